# A policy attached by a variable the module gives no default: named, never judged clean.
variable "extra_policy_arn" {
  type = string
}

resource "aws_iam_role_policy_attachment" "extra" {
  role       = "github-plan"
  policy_arn = var.extra_policy_arn
}
