# s3:GetObject on the bucket's ARN: AWS grants nothing there (it acts on objects).
data "aws_iam_policy_document" "plan_state" {
  statement {
    actions   = ["s3:ListBucket", "s3:GetObject"]
    resources = ["arn:${data.aws_partition.current.partition}:s3:::acme-state"]
  }
}
