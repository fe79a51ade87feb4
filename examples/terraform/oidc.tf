# GitHub's OIDC provider. AWS no longer checks a thumbprint for this issuer, so none is given.
resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  issuer = "token.actions.githubusercontent.com"
  wafv2_arns = [
    "arn:${data.aws_partition.current.partition}:wafv2:${var.region}:${data.aws_caller_identity.current.account_id}:regional/webacl/*",
    "arn:${data.aws_partition.current.partition}:wafv2:${var.region}:${data.aws_caller_identity.current.account_id}:regional/ipset/*",
  ]
  state_bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${var.state_bucket}"
}
