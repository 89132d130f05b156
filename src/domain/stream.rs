//! Nouns of the change stream that are not records: which images a consumer wants (DynamoDB's
//! StreamViewType), as `expense stream --view` and `[[trigger]] view` name them.

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
