//! A regular language containing a PCRE-only pattern's, in the `regex` crate's syntax, so
//! the literal prefilter can skip PCRE patterns a title cannot match: lookarounds and
//! assertions become empty, backreferences become "anything", atomic groups plain groups.
//! Everything the pattern matches, the superset matches too, so it only ever over-selects.

use std::sync::Arc;

use fancy_regex::Expr;

fn anything() -> Expr {
    Expr::Repeat {
        child: Box::new(Expr::Any {
            newline: true,
            crlf: false,
        }),
        lo: 0,
        hi: usize::MAX,
        greedy: true,
    }
}

fn widen(expr: &Expr) -> Option<Expr> {
    Some(match expr {
        Expr::Empty
        | Expr::Assertion(_)
        | Expr::LookAround(..)
        | Expr::KeepOut
        | Expr::ContinueFromPreviousMatchEnd
        | Expr::BackrefExistsCondition { .. } => Expr::Empty,
        Expr::Any { .. } | Expr::Literal { .. } | Expr::Delegate { .. } => expr.clone(),
        Expr::GeneralNewline { .. } => Expr::Repeat {
            child: Box::new(Expr::Any {
                newline: true,
                crlf: false,
            }),
            lo: 1,
            hi: 2,
            greedy: true,
        },
        Expr::Concat(children) => Expr::Concat(children.iter().map(widen).collect::<Option<_>>()?),
        Expr::Alt(children) => Expr::Alt(children.iter().map(widen).collect::<Option<_>>()?),
        Expr::Group(child) => Expr::Group(Arc::new(widen(child)?)),
        Expr::AtomicGroup(child) => Expr::Group(Arc::new(widen(child)?)),
        Expr::Repeat {
            child,
            lo,
            hi,
            greedy,
        } => Expr::Repeat {
            child: Box::new(widen(child)?),
            lo: *lo,
            hi: *hi,
            greedy: *greedy,
        },
        Expr::Backref { .. } | Expr::BackrefWithRelativeRecursionLevel { .. } => anything(),
        Expr::Conditional {
            condition,
            true_branch,
            false_branch,
        } => Expr::Alt(vec![
            Expr::Concat(vec![widen(condition)?, widen(true_branch)?]),
            widen(false_branch)?,
        ]),
        // Subroutines, control verbs, absent operators: no cheap superset; always a candidate.
        _ => return None,
    })
}

/// The superset's HIR for the prefilter, or `None` when the pattern has no usable one.
pub fn superset_hir(source_with_flags: &str) -> Option<regex_syntax::hir::Hir> {
    let tree = Expr::parse_tree(source_with_flags).ok()?;
    let widened = widen(&tree.expr)?;
    let mut text = String::new();
    widened.to_str(&mut text, 0);
    regex_syntax::Parser::new().parse(&text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn superset(pattern: &str) -> String {
        let hir = superset_hir(pattern).unwrap();
        regex_syntax::hir::Hir::to_string(&hir)
    }

    #[test]
    fn fancy_parts_widen() {
        let re = regex::Regex::new(&superset(r"(?si)^(?:(?!User:Good).*\d{8,}.*)$")).unwrap();
        assert!(re.is_match("User:Good12345678"));
        let re = regex::Regex::new(&superset(r"(?si)^(?:.*(foo|bar)\1.*)$")).unwrap();
        assert!(re.is_match("User:Foofoo") && re.is_match("User:Foox"));
        let re = regex::Regex::new(&superset(r"(?s)^(?:.*(?>Trol+).*)$")).unwrap();
        assert!(re.is_match("User:XTrolll") && !re.is_match("User:xtrolll"));
    }
}
