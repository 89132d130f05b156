//! Reusable drawing pieces shared by several screens. Rule: a widget takes what it draws and a
//! `&Theme` as arguments (never a global, never `&State`), and keeps no state between draws;
//! the screens decide what to show, the widgets only how.

pub mod table;
