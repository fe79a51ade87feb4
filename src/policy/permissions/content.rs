//! Reads that return content or credentials. AWS classifies these as Read or List, yet what they
//! return is the data itself (object contents, secret values, messages, code, user data) or a
//! credential: a pull request's plan role with them can read what the account protects. Our own
//! list: each entry says why, and names AWS's page for the operation.

/// One action that returns content or a credential.
pub struct ContentRead {
    /// `prefix:Name`.
    pub action: &'static str,
    /// What it returns.
    pub reason: &'static str,
    /// AWS's page for the operation.
    pub source: &'static str,
}

/// The list, by action name.
pub const CONTENT_READS: &[ContentRead] = &[
    ContentRead {
        action: "s3:GetObject",
        reason: "returns the object's contents, Terraform state included",
        source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html",
    },
    ContentRead {
        action: "s3:GetObjectVersion",
        reason: "returns the contents of any version of an object, deleted ones included",
        source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html",
    },
    ContentRead {
        action: "secretsmanager:GetSecretValue",
        reason: "returns the secret's value",
        source: "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html",
    },
    ContentRead {
        action: "secretsmanager:BatchGetSecretValue",
        reason: "returns the values of several secrets",
        source: "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_BatchGetSecretValue.html",
    },
    ContentRead {
        action: "ssm:GetParameter",
        reason: "returns the parameter's value, SecureString values decrypted on request",
        source: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameter.html",
    },
    ContentRead {
        action: "ssm:GetParameters",
        reason: "returns parameters' values, SecureString values decrypted on request",
        source: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameters.html",
    },
    ContentRead {
        action: "ssm:GetParametersByPath",
        reason: "returns the values of every parameter under a path",
        source: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParametersByPath.html",
    },
    ContentRead {
        action: "ssm:GetParameterHistory",
        reason: "returns past values of a parameter",
        source: "https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParameterHistory.html",
    },
    ContentRead {
        action: "dynamodb:GetItem",
        reason: "returns a table's items",
        source: "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_GetItem.html",
    },
    ContentRead {
        action: "dynamodb:BatchGetItem",
        reason: "returns items of one or more tables",
        source: "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_BatchGetItem.html",
    },
    ContentRead {
        action: "dynamodb:Query",
        reason: "returns a table's items",
        source: "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html",
    },
    ContentRead {
        action: "dynamodb:Scan",
        reason: "returns every item of a table",
        source: "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html",
    },
    ContentRead {
        action: "logs:GetLogEvents",
        reason: "returns log events, which often hold secrets an application printed",
        source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_GetLogEvents.html",
    },
    ContentRead {
        action: "logs:FilterLogEvents",
        reason: "returns log events across a log group",
        source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_FilterLogEvents.html",
    },
    ContentRead {
        action: "ec2:GetPasswordData",
        reason: "returns a Windows instance's encrypted administrator password",
        source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetPasswordData.html",
    },
    ContentRead {
        action: "ec2:GetConsoleOutput",
        reason: "returns an instance's console output",
        source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_GetConsoleOutput.html",
    },
    ContentRead {
        action: "ec2:DescribeInstanceAttribute",
        reason: "returns an instance's user data, where bootstrap secrets often live",
        source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeInstanceAttribute.html",
    },
    ContentRead {
        action: "lambda:GetFunction",
        reason: "returns a link to download the function's code",
        source: "https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html",
    },
    ContentRead {
        action: "lambda:GetFunctionConfiguration",
        reason: "returns the function's environment variables",
        source: "https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionConfiguration.html",
    },
    ContentRead {
        action: "sqs:ReceiveMessage",
        reason: "returns queue messages (and hides them from their consumers for a while)",
        source: "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html",
    },
    ContentRead {
        action: "kinesis:GetRecords",
        reason: "returns a stream's records",
        source: "https://docs.aws.amazon.com/kinesis/latest/APIReference/API_GetRecords.html",
    },
    ContentRead {
        action: "athena:GetQueryResults",
        reason: "returns query results",
        source: "https://docs.aws.amazon.com/athena/latest/APIReference/API_GetQueryResults.html",
    },
    ContentRead {
        action: "codecommit:GetFile",
        reason: "returns a repository file's contents",
        source: "https://docs.aws.amazon.com/codecommit/latest/APIReference/API_GetFile.html",
    },
    ContentRead {
        action: "codecommit:GetBlob",
        reason: "returns a repository blob's contents",
        source: "https://docs.aws.amazon.com/codecommit/latest/APIReference/API_GetBlob.html",
    },
    ContentRead {
        action: "cloudformation:GetTemplate",
        reason: "returns a stack's template, parameters' defaults included",
        source: "https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_GetTemplate.html",
    },
    ContentRead {
        action: "ecr:GetAuthorizationToken",
        reason: "returns a registry credential",
        source: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html",
    },
    ContentRead {
        action: "ecr:GetDownloadUrlForLayer",
        reason: "returns a link to download an image layer's contents",
        source: "https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetDownloadUrlForLayer.html",
    },
];

/// The entry for `action` (`prefix:Name`, without regard to case).
pub fn content_read(action: &str) -> Option<&'static ContentRead> {
    CONTENT_READS
        .iter()
        .find(|c| c.action.eq_ignore_ascii_case(action))
}
