//! Nouns of the change stream that are not records: which images a consumer wants (DynamoDB's
//! StreamViewType), as `expense stream --view` and `[[trigger]] view` name them, the record format
//! (`--format`, `[[trigger]] format`) and the stream a record comes from (region and label).

/// Which images a record carries (DynamoDB's StreamViewType).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Only the key.
    KeysOnly,
    /// The item after the change.
    NewImage,
    /// The item before the change.
    OldImage,
    /// Both.
    NewAndOldImages,
}

impl View {
    /// Every view, in DynamoDB's order.
    pub const ALL: [View; 4] = [
        View::KeysOnly,
        View::NewImage,
        View::OldImage,
        View::NewAndOldImages,
    ];

    /// The view named `name`: `keys_only`, `new_image`, `old_image` or `new_and_old_images`
    /// (any case; `-` for `_` too), as config files and `--view` spell it.
    pub fn parse(name: &str) -> Option<View> {
        let name = name.trim().replace('-', "_");
        View::ALL
            .into_iter()
            .find(|v| v.name().eq_ignore_ascii_case(&name))
    }

    /// True when the view carries the item after the change.
    pub fn has_new(self) -> bool {
        matches!(self, View::NewImage | View::NewAndOldImages)
    }

    /// True when the view carries the item before the change.
    pub fn has_old(self) -> bool {
        matches!(self, View::OldImage | View::NewAndOldImages)
    }

    /// DynamoDB's name of the view (`NEW_AND_OLD_IMAGES`).
    pub fn name(self) -> &'static str {
        match self {
            View::KeysOnly => "KEYS_ONLY",
            View::NewImage => "NEW_IMAGE",
            View::OldImage => "OLD_IMAGE",
            View::NewAndOldImages => "NEW_AND_OLD_IMAGES",
        }
    }
}

/// How a record is written: `expense stream --format` and `[[trigger]] format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// Our own JSON line: DynamoDB's envelope, with keys and images in the `list --json` shape
    /// (plain strings), and `origin`.
    #[default]
    Plain,
    /// Exactly as DynamoDB Streams hands a record to a Lambda: AttributeValue maps (`{"S": ..}`,
    /// `{"N": ..}`), `awsRegion`, `eventSourceARN`, `SizeBytes`, `userIdentity` on TTL removals.
    DynamoDb,
}

impl Format {
    /// Both formats.
    pub const ALL: [Format; 2] = [Format::Plain, Format::DynamoDb];

    /// The name config files and `--format` use: `plain` or `dynamodb`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Plain => "plain",
            Format::DynamoDb => "dynamodb",
        }
    }

    /// The format named `name` (any case).
    pub fn parse(name: &str) -> Option<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// Where records come from, as the DynamoDB format names it: the region (`[stream] region`,
/// default [`DEFAULT_REGION`]) and the store's stream label (`Store::stream_label`, new after
/// every restore). Both formats fold the label into `eventID`, so ids never repeat across
/// restores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSource {
    /// `awsRegion`, and the region part of `eventSourceARN`.
    pub region: String,
    /// The stream label, `YYYY-MM-DDTHH:MM:SS.mmm`.
    pub label: String,
}

/// The region when config names none.
pub const DEFAULT_REGION: &str = "local";

impl Default for StreamSource {
    fn default() -> Self {
        StreamSource {
            region: DEFAULT_REGION.to_string(),
            label: String::new(),
        }
    }
}

/// Checks a region name as AWS spells them (`eu-west-1`, or our `local`): 1 to 32 lowercase
/// letters, digits and `-`. The error quotes the value.
pub fn check_region(region: &str) -> Result<String, String> {
    let ok = (1..=32).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(region.to_string())
    } else {
        Err(format!(
            "'{}' is not a region name (1-32 lowercase letters, digits and '-', like eu-west-1 \
             or local)",
            super::text::inert(region)
        ))
    }
}
