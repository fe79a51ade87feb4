data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com/acme-corp"]
    }

    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com/acme-corp:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringLike"
      variable = "token.actions.githubusercontent.com/acme-corp:sub"
      values   = ["repo:acme/*"]
    }
  }
}
