//! Category paths: `food:groceries:organic` is below `food:groceries`, which is below `food`.
//! Budgets count a category with everything below it, and the review rolls sums up the tree.

/// True when `category` is `parent` or below it (`food:x` is below `food`, `foodstuff` is not).
pub fn is_within(category: &str, parent: &str) -> bool {
    category == parent
        || (category.len() > parent.len()
            && category.starts_with(parent)
            && category.as_bytes()[parent.len()] == b':')
}

/// `food:groceries:organic`, `food:groceries`, `food`.
pub fn ancestors(category: &str) -> impl Iterator<Item = &str> {
    let cuts = category
        .char_indices()
        .filter(|(_, c)| *c == ':')
        .map(|(i, _)| i)
        .collect::<Vec<_>>();
    std::iter::once(category)
        .chain(cuts.into_iter().rev().map(move |i| &category[..i]))
        .filter(|c| !c.is_empty())
}

/// `food` for `food:groceries`.
pub fn top_level(category: &str) -> &str {
    category.split(':').next().unwrap_or(category)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_and_ancestors() {
        assert!(is_within("food:x", "food"));
        assert!(is_within("food", "food"));
        assert!(!is_within("foodstuff", "food"));
        assert!(!is_within("food", "food:x"));
        let a: Vec<&str> = ancestors("a:b:c").collect();
        assert_eq!(a, ["a:b:c", "a:b", "a"]);
        assert_eq!(ancestors("a").collect::<Vec<_>>(), ["a"]);
        assert_eq!(top_level("food:x:y"), "food");
    }
}
