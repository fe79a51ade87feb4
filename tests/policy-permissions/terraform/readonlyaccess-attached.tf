# AWS's ReadOnlyAccess attached to the plan role: judged from the shipped document.
resource "aws_iam_role_policy_attachment" "read_only" {
  role       = "github-plan"
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/ReadOnlyAccess"
}
