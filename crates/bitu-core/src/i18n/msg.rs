//! [`Msg`]: a message key and its parameters, rendered late in the reader's language.

use serde::{Deserialize, Serialize};

/// A translatable message: a key of the message files and its `$1..$n` parameters. Code
/// returns these; the web layer (or a mail) renders them in the reader's language. It
/// serializes as `{"key": "bitu-…", "args": [...]}` so a job can carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Msg {
    /// The message key, `bitu-…`.
    pub key: String,
    /// The parameters `$1`, `$2`, … in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Arg>,
}

/// One parameter of a [`Msg`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Arg {
    /// Text shown as it is (user data, names): never parsed as message syntax.
    Text(String),
    /// A number (also what `{{PLURAL:$n|…}}` chooses by).
    Num(i64),
    /// Another message, rendered in the same language.
    Msg(Box<Msg>),
}

impl Msg {
    /// The message `key` without parameters.
    pub fn new(key: impl Into<String>) -> Msg {
        Msg {
            key: key.into(),
            args: Vec::new(),
        }
    }

    /// Adds the next parameter (`$1`, then `$2`, …).
    #[must_use]
    pub fn arg(mut self, arg: impl Into<Arg>) -> Msg {
        self.args.push(arg.into());
        self
    }

    /// The message rendered as plain text in `lang` (see [`crate::i18n::text`]).
    pub fn text(&self, lang: &str) -> String {
        super::text(lang, self)
    }
}

/// English text, for logs and for code that has no reader's language (yet).
impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&super::text(super::DEFAULT_LANG, self))
    }
}

impl From<&str> for Arg {
    fn from(text: &str) -> Arg {
        Arg::Text(text.to_string())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Arg {
        Arg::Text(text)
    }
}

impl From<&String> for Arg {
    fn from(text: &String) -> Arg {
        Arg::Text(text.clone())
    }
}

impl From<Msg> for Arg {
    fn from(msg: Msg) -> Arg {
        Arg::Msg(Box::new(msg))
    }
}

macro_rules! num_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                Arg::Num(i64::from(n))
            }
        }
    )*};
}
num_arg!(i32, i64, u32);

macro_rules! wide_num_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Arg {
                Arg::Num(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
wide_num_arg!(u64, usize);
