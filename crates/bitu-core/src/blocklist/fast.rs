//! The fast path: patterns the `regex` crate reads the way PCRE does, and the check that
//! tells them from the ones that need PCRE's engine or that no engine here reads like PCRE.

use regex_syntax::ast::{self, Ast, Visitor};

/// Most bytes one compiled regex may take (the `regex` crate's default is 10 MiB).
pub const REGEX_SIZE_LIMIT: usize = 4 << 20;

/// Rejects what the `regex` crate accepts but PCRE reads differently; `Ok(true)` when only
/// a backtracking engine gives PCRE's meaning (possessive quantifiers).
struct PcreDivergence {
    possessive: bool,
}

impl Visitor for PcreDivergence {
    type Output = bool;
    type Err = String;

    fn finish(self) -> Result<bool, String> {
        Ok(self.possessive)
    }

    fn visit_pre(&mut self, node: &Ast) -> Result<(), String> {
        match node {
            // PCRE's `a++`, `a*+`, `a?+`, `a{n}+` are possessive; `regex` reads them as nested.
            Ast::Repetition(rep)
                if rep.greedy
                    && rep.op.kind == ast::RepetitionKind::OneOrMore
                    && matches!(*rep.ast, Ast::Repetition(_)) =>
            {
                self.possessive = true;
            }
            Ast::Assertion(assertion)
                if !matches!(
                    assertion.kind,
                    ast::AssertionKind::StartLine
                        | ast::AssertionKind::EndLine
                        | ast::AssertionKind::StartText
                        | ast::AssertionKind::EndText
                        | ast::AssertionKind::WordBoundary
                        | ast::AssertionKind::NotWordBoundary
                ) =>
            {
                return Err(
                    "uses \\< \\> or \\b{...}, which PCRE reads as literal characters".into(),
                );
            }
            _ => {}
        }
        Ok(())
    }

    fn visit_class_set_binary_op_pre(&mut self, _op: &ast::ClassSetBinaryOp) -> Result<(), String> {
        Err("uses &&, -- or ~~ inside a class, which PCRE reads as literal characters".into())
    }
}

/// Checks the fast path can take the anchored source; its HIR, or why not.
pub fn fast_hir(
    source: &str,
    case_insensitive: bool,
) -> Result<regex_syntax::hir::Hir, FastRefusal> {
    let ast = ast::parse::Parser::new()
        .parse(source)
        .map_err(|e| FastRefusal::Syntax(e.to_string()))?;
    match ast::visit(&ast, PcreDivergence { possessive: false }) {
        Ok(false) => {}
        Ok(true) => return Err(FastRefusal::Syntax("possessive quantifier".into())),
        Err(reason) => return Err(FastRefusal::Diverges(reason)),
    }
    regex_syntax::ParserBuilder::new()
        .case_insensitive(case_insensitive)
        .dot_matches_new_line(true)
        .build()
        .parse(source)
        .map_err(|e| FastRefusal::Syntax(e.to_string()))
}

pub enum FastRefusal {
    /// The fast engine cannot read it; maybe the PCRE one can.
    Syntax(String),
    /// It reads it, but not as PCRE would; no engine here gives PCRE's meaning.
    Diverges(String),
}

pub fn build_fast(source: &str, case_insensitive: bool) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(source)
        .case_insensitive(case_insensitive)
        .dot_matches_new_line(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
}
