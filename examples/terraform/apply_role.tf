# The apply role: assumed only by jobs that reference the "production" environment of one
# repository (give that environment required reviewers); manages WAFv2 and writes the state.

data "aws_iam_policy_document" "apply_trust" {
  statement {
    sid     = "GitHubProductionEnvironment"
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.github.arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = ["repo:${var.github_repository}:environment:production"]
    }
  }
}

data "aws_iam_policy_document" "apply_permissions" {
  statement {
    sid = "ManageWafv2WebAclsAndIpSets"
    actions = [
      "wafv2:GetWebACL",
      "wafv2:GetIPSet",
      "wafv2:ListTagsForResource",
      "wafv2:CreateWebACL",
      "wafv2:UpdateWebACL",
      "wafv2:DeleteWebACL",
      "wafv2:CreateIPSet",
      "wafv2:UpdateIPSet",
      "wafv2:DeleteIPSet",
      "wafv2:TagResource",
      "wafv2:UntagResource",
    ]
    resources = local.wafv2_arns
  }

  statement {
    sid       = "ListWafv2IpSets"
    actions   = ["wafv2:ListIPSets"]
    resources = ["*"]
  }

  statement {
    sid       = "ListStateBucket"
    actions   = ["s3:ListBucket"]
    resources = [local.state_bucket_arn]
  }

  statement {
    sid     = "ReadWriteStateAndLock"
    actions = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = [
      "${local.state_bucket_arn}/${var.state_key}",
      "${local.state_bucket_arn}/${var.state_key}.tflock",
    ]
  }
}

resource "aws_iam_role" "apply" {
  name                 = "github-terraform-apply"
  assume_role_policy   = data.aws_iam_policy_document.apply_trust.json
  max_session_duration = 3600
}

resource "aws_iam_role_policy" "apply" {
  name   = "manage-waf-and-state"
  role   = aws_iam_role.apply.id
  policy = data.aws_iam_policy_document.apply_permissions.json
}
