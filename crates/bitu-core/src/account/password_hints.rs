//! The hints of the zxcvbn strength estimator as message keys: zxcvbn words them in
//! English only, so each has its message (with zxcvbn's English text in en.json).

use zxcvbn::feedback::{Suggestion, Warning};

/// The message key of a zxcvbn warning.
pub(super) fn warning_key(warning: Warning) -> &'static str {
    match warning {
        Warning::StraightRowsOfKeysAreEasyToGuess => {
            "bitu-password-hint-straight-rows-of-keys-are-easy-to-guess"
        }
        Warning::ShortKeyboardPatternsAreEasyToGuess => {
            "bitu-password-hint-short-keyboard-patterns-are-easy-to-guess"
        }
        Warning::RepeatsLikeAaaAreEasyToGuess => {
            "bitu-password-hint-repeats-like-aaa-are-easy-to-guess"
        }
        Warning::RepeatsLikeAbcAbcAreOnlySlightlyHarderToGuess => {
            "bitu-password-hint-repeats-like-abc-abc-are-only-slightly-harder-to-guess"
        }
        Warning::ThisIsATop10Password => "bitu-password-hint-top-10-password",
        Warning::ThisIsATop100Password => "bitu-password-hint-top-100-password",
        Warning::ThisIsACommonPassword => "bitu-password-hint-this-is-a-common-password",
        Warning::ThisIsSimilarToACommonlyUsedPassword => {
            "bitu-password-hint-this-is-similar-to-a-commonly-used-password"
        }
        Warning::SequencesLikeAbcAreEasyToGuess => {
            "bitu-password-hint-sequences-like-abc-are-easy-to-guess"
        }
        Warning::RecentYearsAreEasyToGuess => "bitu-password-hint-recent-years-are-easy-to-guess",
        Warning::AWordByItselfIsEasyToGuess => {
            "bitu-password-hint-a-word-by-itself-is-easy-to-guess"
        }
        Warning::DatesAreOftenEasyToGuess => "bitu-password-hint-dates-are-often-easy-to-guess",
        Warning::NamesAndSurnamesByThemselvesAreEasyToGuess => {
            "bitu-password-hint-names-and-surnames-by-themselves-are-easy-to-guess"
        }
        Warning::CommonNamesAndSurnamesAreEasyToGuess => {
            "bitu-password-hint-common-names-and-surnames-are-easy-to-guess"
        }
    }
}

/// The message key of a zxcvbn suggestion.
pub(super) fn suggestion_key(suggestion: Suggestion) -> &'static str {
    match suggestion {
        Suggestion::UseAFewWordsAvoidCommonPhrases => {
            "bitu-password-hint-use-a-few-words-avoid-common-phrases"
        }
        Suggestion::NoNeedForSymbolsDigitsOrUppercaseLetters => {
            "bitu-password-hint-no-need-for-symbols-digits-or-uppercase-letters"
        }
        Suggestion::AddAnotherWordOrTwo => "bitu-password-hint-add-another-word-or-two",
        Suggestion::CapitalizationDoesntHelpVeryMuch => {
            "bitu-password-hint-capitalization-doesnt-help-very-much"
        }
        Suggestion::AllUppercaseIsAlmostAsEasyToGuessAsAllLowercase => {
            "bitu-password-hint-all-uppercase-is-almost-as-easy-to-guess-as-all-lowercase"
        }
        Suggestion::ReversedWordsArentMuchHarderToGuess => {
            "bitu-password-hint-reversed-words-arent-much-harder-to-guess"
        }
        Suggestion::PredictableSubstitutionsDontHelpVeryMuch => {
            "bitu-password-hint-predictable-substitutions-dont-help-very-much"
        }
        Suggestion::UseALongerKeyboardPatternWithMoreTurns => {
            "bitu-password-hint-use-a-longer-keyboard-pattern-with-more-turns"
        }
        Suggestion::AvoidRepeatedWordsAndCharacters => {
            "bitu-password-hint-avoid-repeated-words-and-characters"
        }
        Suggestion::AvoidSequences => "bitu-password-hint-avoid-sequences",
        Suggestion::AvoidRecentYears => "bitu-password-hint-avoid-recent-years",
        Suggestion::AvoidYearsThatAreAssociatedWithYou => {
            "bitu-password-hint-avoid-years-that-are-associated-with-you"
        }
        Suggestion::AvoidDatesAndYearsThatAreAssociatedWithYou => {
            "bitu-password-hint-avoid-dates-and-years-that-are-associated-with-you"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_read_as_zxcvbn_words_them() {
        for warning in [
            Warning::ThisIsATop10Password,
            Warning::RecentYearsAreEasyToGuess,
        ] {
            let msg = crate::i18n::Msg::new(warning_key(warning));
            assert_eq!(msg.to_string(), warning.to_string());
        }
        let suggestion = Suggestion::AddAnotherWordOrTwo;
        let msg = crate::i18n::Msg::new(suggestion_key(suggestion));
        assert_eq!(msg.to_string(), suggestion.to_string());
    }
}
