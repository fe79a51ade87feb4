variable "region" {
  description = "Region of the WAF resources the roles manage."
  type        = string
  default     = "eu-west-1"
}

variable "github_repository" {
  description = "The repository whose workflows may assume the roles, OWNER/REPO."
  type        = string
  default     = "acme/waf-infra"
}

variable "state_bucket" {
  description = "S3 bucket holding the Terraform state of the WAF configuration."
  type        = string
  default     = "acme-terraform-state"
}

variable "state_key" {
  description = "Key of that state in the bucket."
  type        = string
  default     = "waf/terraform.tfstate"
}
