//! Category rules for import: a payee pattern names the category of rows that have none. Pure.
//!
//! A pattern is matched case-insensitively. Without wildcards it matches anywhere in the payee
//! (`lidl` matches `LIDL Berlin 42`); with `*` (any run of characters) or `?` (one character) it
//! must match the whole payee (`amzn*mktp*`).

use super::validate::{parse_category, FieldError};

/// One rule: payees matching `pattern` get `category`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryRule {
    /// The payee pattern as written (see the module doc).
    pub pattern: String,
    /// The category given to matching rows.
    pub category: String,
    /// `pattern` lower-cased, as chars.
    folded: Vec<char>,
}

impl CategoryRule {
    /// Checks the pattern (not empty) and the category (`parse_category`); the error is the
    /// sentence a person reads.
    pub fn new(pattern: &str, category: &str) -> Result<CategoryRule, RuleError> {
        if pattern.trim().is_empty() {
            return Err(RuleError::EmptyPattern);
        }
        let category = parse_category(category)?;
        Ok(CategoryRule {
            pattern: pattern.to_string(),
            category,
            folded: fold(pattern),
        })
    }

    /// True when `payee` matches the pattern.
    pub fn matches(&self, payee: &str) -> bool {
        let text = fold(payee);
        if self.folded.iter().any(|c| matches!(c, '*' | '?')) {
            glob(&self.folded, &text)
        } else {
            let n = self.folded.len();
            text.windows(n).any(|w| w == self.folded.as_slice())
        }
    }
}

/// Why a rule was refused; its `Display` is the message a person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// The payee pattern is blank.
    #[error("the payee pattern is empty")]
    EmptyPattern,
    /// The category is not a valid path.
    #[error(transparent)]
    Category(#[from] FieldError),
}

/// The category of the first rule matching `payee`.
pub fn categorize<'a>(rules: &'a [CategoryRule], payee: &str) -> Option<&'a str> {
    rules
        .iter()
        .find(|r| r.matches(payee))
        .map(|r| r.category.as_str())
}

fn fold(s: &str) -> Vec<char> {
    s.chars().flat_map(char::to_lowercase).collect()
}

/// Whole-text wildcard match with backtracking to the last `*` (linear in practice).
fn glob(pat: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pat.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    pat[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substring_and_glob_case_insensitively() {
        let r = |p: &str| CategoryRule::new(p, "x").unwrap();
        assert!(r("lidl").matches("LIDL Berlin 42"));
        assert!(!r("lidl").matches("Aldi"));
        assert!(r("amzn*mktp*").matches("AMZN Mktp DE 123"));
        assert!(!r("amzn*mktp").matches("AMZN Mktp DE 123"));
        assert!(r("caf?").matches("CAFÉ"));
        assert!(r("*").matches(""));
        assert!(r("a*b*c").matches("aXXbYYc"));
        assert!(!r("a*b*c").matches("aXXcYYb"));
        assert!(r("müller").matches("BÄCKEREI MÜLLER"));
    }

    #[test]
    fn first_rule_wins_and_bad_rules_say_why() {
        let rules = vec![
            CategoryRule::new("uber eats", "food:delivery").unwrap(),
            CategoryRule::new("uber", "transport").unwrap(),
        ];
        assert_eq!(categorize(&rules, "UBER EATS 55"), Some("food:delivery"));
        assert_eq!(categorize(&rules, "Uber BV"), Some("transport"));
        assert_eq!(categorize(&rules, "Rewe"), None);
        assert_eq!(
            CategoryRule::new(" ", "x").unwrap_err().to_string(),
            "the payee pattern is empty"
        );
        assert_eq!(
            CategoryRule::new("a", "food::x").unwrap_err().to_string(),
            "category 'food::x' has an empty part between ':'"
        );
    }
}
