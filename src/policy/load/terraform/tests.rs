use super::*;

const TF: &str = r#"
variable "repo" {
  default = "acme/app"
}

resource "aws_iam_openid_connect_provider" "github" {
  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "trust" {
  statement {
actions = ["sts:AssumeRoleWithWebIdentity"]
principals {
  type        = "Federated"
  identifiers = [aws_iam_openid_connect_provider.github.arn]
}
condition {
  test     = "StringEquals"
  variable = "token.actions.githubusercontent.com:sub"
  values   = ["repo:${var.repo}:ref:refs/heads/main"]
}
  }
}

resource "aws_iam_role" "inline" {
  name = "inline"
  assume_role_policy = jsonencode({
Version = "2012-10-17"
Statement = [
  {
    Effect    = "Allow"
    Principal = { Federated = aws_iam_openid_connect_provider.github.arn }
    Action    = "sts:AssumeRoleWithWebIdentity"
    Condition = {
      StringLike = {
        "token.actions.githubusercontent.com:sub" = "repo:acme/*"
      }
    }
  }
]
  })
}

resource "aws_iam_role" "heredoc" {
  assume_role_policy = <<EOF
{
  "Statement": [
{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
  ]
}
EOF
}
"#;

#[test]
fn data_source_jsonencode_and_heredoc() {
    let loaded =
        load_terraform_texts(Path::new("."), &[("main.tf".into(), TF.into())]).expect("loads");
    assert_eq!(loaded.len(), 3);
    let data = &loaded[0];
    assert_eq!(
        data.name.as_deref(),
        Some("data.aws_iam_policy_document.trust")
    );
    let st = &data.document.statements[0];
    assert_eq!(st.line, Some(12));
    assert_eq!(st.conditions[0].line, Some(18));
    assert_eq!(
        st.conditions[0].values,
        ["repo:acme/app:ref:refs/heads/main"]
    );
    let fed: Vec<&str> = st
        .principal
        .as_ref()
        .expect("principal")
        .federated()
        .collect();
    assert!(fed[0].ends_with("oidc-provider/token.actions.githubusercontent.com"));
    assert!(data.notes.is_empty(), "{:?}", data.notes);

    let inline = &loaded[1];
    assert_eq!(inline.document.statements[0].line, Some(31));
    assert_eq!(inline.document.statements[0].conditions[0].line, Some(37));
    assert_eq!(
        inline.document.statements[0].conditions[0].values,
        ["repo:acme/*"]
    );

    let heredoc = &loaded[2];
    assert_eq!(heredoc.document.statements[0].line, Some(49));
}
