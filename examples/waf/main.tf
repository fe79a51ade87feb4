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

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "main"
    sampled_requests_enabled   = true
  }

  tags = {
    managed-by = "terraform"
  }
}
