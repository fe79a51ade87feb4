# kms:Decrypt reads like a read, and AWS classifies it as Write.
resource "aws_iam_role_policy" "plan" {
  name = "decrypt"
  role = "github-plan"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["kms:Decrypt"]
      Resource = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    }]
  })
}
