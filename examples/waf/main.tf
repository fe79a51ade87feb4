# The configuration the example workflows plan and apply: a regional WAFv2 web ACL that blocks
# the addresses of one IP set. State lives in S3 with S3-native locking.

terraform {
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  backend "s3" {
    bucket       = "acme-terraform-state"
    key          = "waf/terraform.tfstate"
    region       = "eu-west-1"
    encrypt      = true
    use_lockfile = true
  }
}

provider "aws" {
  region = "eu-west-1"
}

resource "aws_wafv2_ip_set" "blocked" {
  name               = "blocked-addresses"
  scope              = "REGIONAL"
  ip_address_version = "IPV4"
  addresses          = ["192.0.2.0/24"]

  tags = {
    managed-by = "terraform"
  }
}

resource "aws_wafv2_web_acl" "main" {
  # Request logging needs a log destination and its own permissions; this example keeps the plan
  # role to WAFv2 and the state.
  #checkov:skip=CKV2_AWS_31:logging is left out of the example to keep the roles minimal
  name  = "main"
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "block-listed-addresses"
    priority = 1

    action {
      block {}
    }

    statement {
      ip_set_reference_statement {
        arn = aws_wafv2_ip_set.blocked.arn
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "block-listed-addresses"
      sampled_requests_enabled   = true
    }
  }

  # AWS's known-bad-inputs rules (Log4j JNDI lookups among them); evaluated by WAF, read back by
  # the same GetWebACL call.
  rule {
    name     = "aws-known-bad-inputs"
    priority = 2

    override_action {
      none {}
    }

    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "aws-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "main"
    sampled_requests_enabled   = true
  }

  tags = {
    managed-by = "terraform"
  }
}
