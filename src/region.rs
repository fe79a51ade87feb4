//! AWS regions and the partitions they belong to.
//!
//! The partition decides the ARN prefix (`arn:aws-cn:...`), the default audience and the STS host.
//! Never hard-code `arn:aws`: see <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>.

use std::fmt;

/// An AWS partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partition {
    /// Commercial regions.
    Aws,
    /// China (Beijing, Ningxia).
    AwsCn,
    /// AWS GovCloud (US).
    AwsUsGov,
    /// US ISO regions.
    AwsIso,
    /// US ISOB regions.
    AwsIsoB,
    /// EU ISOE regions.
    AwsIsoE,
    /// US ISOF regions.
    AwsIsoF,
    /// AWS European Sovereign Cloud.
    AwsEusc,
}

impl Partition {
    /// Every partition, for messages.
    pub const ALL: [Partition; 8] = [
        Partition::Aws,
        Partition::AwsCn,
        Partition::AwsUsGov,
        Partition::AwsIso,
        Partition::AwsIsoB,
        Partition::AwsIsoE,
        Partition::AwsIsoF,
        Partition::AwsEusc,
    ];

    /// The partition's name as it appears in ARNs.
    pub fn name(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
            Partition::AwsIso => "aws-iso",
            Partition::AwsIsoB => "aws-iso-b",
            Partition::AwsIsoE => "aws-iso-e",
            Partition::AwsIsoF => "aws-iso-f",
            Partition::AwsEusc => "aws-eusc",
        }
    }

    /// Parses a partition name from an ARN.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The audience to request from GitHub when the `audience` input is empty.
    pub fn default_audience(self) -> &'static str {
        match self {
            Partition::AwsCn => "sts.amazonaws.com.cn",
            _ => "sts.amazonaws.com",
        }
    }

    /// The DNS suffix of the partition's endpoints.
    pub fn dns_suffix(self) -> &'static str {
        match self {
            Partition::AwsCn => "amazonaws.com.cn",
            Partition::AwsIso => "c2s.ic.gov",
            Partition::AwsIsoB => "sc2s.sgov.gov",
            Partition::AwsIsoE => "cloud.adc-e.uk",
            Partition::AwsIsoF => "csp.hci.ic.gov",
            Partition::AwsEusc => "amazonaws.eu",
            Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
        }
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A region name of the real form, e.g. `us-east-1`, `cn-north-1`, `us-gov-west-1`, `eusc-de-east-1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    name: String,
    partition: Partition,
}

impl Region {
    /// Parses a region name; the error says what form is accepted.
    pub fn parse(name: &str) -> Result<Self, String> {
        let form = "must be an AWS region name such as `us-east-1`, `eu-west-2` or `cn-north-1`";
        let parts: Vec<&str> = name.split('-').collect();
        let shape_ok = parts.len() >= 3
            && (2..=4).contains(&parts[0].len())
            && parts[..parts.len() - 1]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
            && parts.last().is_some_and(|n| {
                (1..=2).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit())
            });
        if !shape_ok {
            return Err(form.to_owned());
        }
        let partition = match (parts[0], parts[1]) {
            ("cn", _) => Partition::AwsCn,
            ("us", "gov") => Partition::AwsUsGov,
            ("us", "iso") => Partition::AwsIso,
            ("us", "isob") => Partition::AwsIsoB,
            ("us", "isof") | ("eu", "isof") => Partition::AwsIsoF,
            ("eu", "isoe") => Partition::AwsIsoE,
            ("eusc", _) => Partition::AwsEusc,
            _ => Partition::Aws,
        };
        Ok(Self {
            name: name.to_owned(),
            partition,
        })
    }

    /// The region's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The region's partition.
    pub fn partition(&self) -> Partition {
        self.partition
    }

    /// The regional STS endpoint, e.g. `https://sts.us-east-1.amazonaws.com`.
    pub fn sts_endpoint(&self) -> String {
        format!("https://sts.{}.{}", self.name, self.partition.dns_suffix())
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::{Partition, Region};

    #[test]
    fn regions_decide_their_partition() {
        for (name, partition) in [
            ("us-east-1", Partition::Aws),
            ("ap-southeast-2", Partition::Aws),
            ("cn-north-1", Partition::AwsCn),
            ("cn-northwest-1", Partition::AwsCn),
            ("us-gov-west-1", Partition::AwsUsGov),
            ("us-iso-east-1", Partition::AwsIso),
            ("us-isob-east-1", Partition::AwsIsoB),
            ("eu-isoe-west-1", Partition::AwsIsoE),
            ("us-isof-south-1", Partition::AwsIsoF),
            ("eusc-de-east-1", Partition::AwsEusc),
        ] {
            let region = Region::parse(name).expect(name);
            assert_eq!(region.partition(), partition, "{name}");
        }
        assert_eq!(
            Region::parse("cn-north-1").expect("valid").sts_endpoint(),
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
    }

    #[test]
    fn malformed_regions_are_refused() {
        for name in [
            "",
            "us",
            "us-east",
            "US-EAST-1",
            "us-east-1a",
            "us_east_1",
            "us-east-123",
            "useast1",
            "-east-1",
            "us--1",
            "us-east-1 ",
        ] {
            assert!(Region::parse(name).is_err(), "{name:?} should be refused");
        }
    }
}
