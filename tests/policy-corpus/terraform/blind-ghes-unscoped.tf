data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/ghes.example.com/_services/token"]
    }

    condition {
      test     = "StringEquals"
      variable = "ghes.example.com/_services/token:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}
