//! The rule engine: whether a group is offered to someone, and what a request's rules and
//! managers' votes come to. Pure: facts about the people are gathered by the services.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::authz::groups::normalize_dn;
use crate::config::{Operator, PermissionGroup, RuleKind, RuleSettings};
use crate::directory::Entry;

/// What a request's rules come to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Every rule is satisfied.
    Approved,
    /// Some rule rejected it.
    Rejected,
    /// Some rule still waits (for managers).
    Pending,
}

/// What is known about a person when rules are checked.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Shell username.
    pub uid: String,
    /// Their directory entry (all its attributes).
    pub entry: Entry,
    /// DNs of the groups they are in, normalised.
    pub groups: BTreeSet<String>,
}

impl Facts {
    /// Facts from an entry and the DNs of the groups it is in.
    pub fn new(uid: &str, entry: Entry, group_dns: impl IntoIterator<Item = String>) -> Facts {
        Facts {
            uid: uid.to_string(),
            entry,
            groups: group_dns.into_iter().map(|dn| normalize_dn(&dn)).collect(),
        }
    }

    /// Whether they are in the group with this DN.
    pub fn in_group(&self, dn: &str) -> bool {
        self.groups.contains(&normalize_dn(dn))
    }
}

/// One manager's vote on a request, with the manager rules (indices) it counts for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    /// Shell username of the manager.
    pub manager: String,
    /// Approve (true) or reject.
    pub approve: bool,
    /// Indices of the group's `manager_approval` rules the manager counted for when voting.
    pub rules: Vec<usize>,
}

fn compare(operator: Operator, values: &[String], wanted: &str) -> bool {
    let wanted_lower = wanted.to_lowercase();
    let any = |test: &dyn Fn(&str) -> bool| values.iter().any(|v| test(v));
    match operator {
        Operator::Equals => any(&|v| v.to_lowercase() == wanted_lower),
        Operator::NotEquals => !any(&|v| v.to_lowercase() == wanted_lower),
        Operator::Contains => any(&|v| v.contains(wanted)),
        Operator::StartsWith => any(&|v| v.starts_with(wanted)),
        Operator::EndsWith => any(&|v| v.ends_with(wanted)),
        Operator::Present => !values.is_empty(),
        Operator::IsDigit => any(&|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit())),
        Operator::IsAlpha => any(&|v| !v.is_empty() && v.chars().all(char::is_alphabetic)),
        Operator::IsAlnum => any(&|v| !v.is_empty() && v.chars().all(char::is_alphanumeric)),
        Operator::IsLower => any(&|v| v.chars().any(char::is_alphabetic) && v.to_lowercase() == *v),
        Operator::IsUpper => any(&|v| v.chars().any(char::is_alphabetic) && v.to_uppercase() == *v),
    }
}

/// Whether an automatic rule holds for `facts`; `None` for rules people decide.
pub fn holds(rule: &RuleSettings, facts: &Facts) -> Option<bool> {
    match rule.kind {
        RuleKind::ManagerApproval => None,
        RuleKind::LdapAttribute => Some(compare(
            rule.operator,
            facts.entry.values(&rule.attribute),
            &rule.value,
        )),
        RuleKind::EmailDomain => {
            let suffix = format!("@{}", rule.domain.to_lowercase());
            Some(
                facts
                    .entry
                    .values("mail")
                    .iter()
                    .any(|mail| mail.to_lowercase().ends_with(&suffix)),
            )
        }
        RuleKind::GroupMembership => Some(facts.in_group(&rule.member_of)),
    }
}

/// Whether the group is offered to someone: every `prevalidate` rule that can be checked
/// automatically holds.
pub fn offered(group: &PermissionGroup, facts: &Facts) -> bool {
    group
        .rules
        .iter()
        .filter(|rule| rule.prevalidate)
        .all(|rule| holds(rule, facts).unwrap_or(true))
}

/// Whether someone manages a `manager_approval` rule: named by shell username, or a member of
/// a group named by DN.
pub fn manages(rule: &RuleSettings, facts: &Facts) -> bool {
    rule.kind == RuleKind::ManagerApproval
        && rule
            .managers
            .iter()
            .any(|m| m == &facts.uid || (m.contains('=') && facts.in_group(m)))
}

/// Indices of the group's `manager_approval` rules someone manages (empty: not a manager).
pub fn managed_rules(group: &PermissionGroup, facts: &Facts) -> Vec<usize> {
    group
        .rules
        .iter()
        .enumerate()
        .filter(|(_, rule)| manages(rule, facts))
        .map(|(index, _)| index)
        .collect()
}

/// What a request by `requester` comes to, given its votes. Automatic rules decide at once;
/// a manager rule needs `count` distinct approvals (the requester's own only when
/// `allow_self_approval`); any rejection rejects, even after approvals.
pub fn outcome(
    group: &PermissionGroup,
    requester: &Facts,
    votes: &[Vote],
    allow_self_approval: bool,
) -> Outcome {
    let mut pending = false;
    for (index, rule) in group.rules.iter().enumerate() {
        let counted = votes
            .iter()
            .filter(|vote| vote.rules.contains(&index))
            .filter(|vote| allow_self_approval || vote.manager != requester.uid);
        match holds(rule, requester) {
            Some(true) => {}
            Some(false) => return Outcome::Rejected,
            None => {
                let mut approvers = BTreeSet::new();
                for vote in counted {
                    if !vote.approve {
                        return Outcome::Rejected;
                    }
                    approvers.insert(vote.manager.as_str());
                }
                if approvers.len() < rule.count.max(1) as usize {
                    pending = true;
                }
            }
        }
    }
    if pending {
        Outcome::Pending
    } else {
        Outcome::Approved
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(uid: &str, mail: &str, shell: &str, groups: &[&str]) -> Facts {
        let entry = Entry::new(
            &format!("uid={uid},ou=people,dc=example,dc=org"),
            [
                ("uid", vec![uid.to_string()]),
                ("mail", vec![mail.to_string()]),
                ("loginShell", vec![shell.to_string()]),
            ],
        );
        Facts::new(uid, entry, groups.iter().map(|g| g.to_string()))
    }

    fn managers(names: &[&str], count: u32) -> RuleSettings {
        RuleSettings {
            managers: names.iter().map(|n| n.to_string()).collect(),
            count,
            ..RuleSettings::default()
        }
    }

    fn group(rules: Vec<RuleSettings>) -> PermissionGroup {
        PermissionGroup {
            group: "cn=project-x,ou=groups,dc=example,dc=org".into(),
            rules,
            ..PermissionGroup::default()
        }
    }

    fn vote(manager: &str, approve: bool, rules: &[usize]) -> Vote {
        Vote {
            manager: manager.into(),
            approve,
            rules: rules.to_vec(),
        }
    }

    #[test]
    fn two_managers_are_needed_and_one_rejection_rejects() {
        let group = group(vec![managers(&["gina", "hal", "ivy"], 2)]);
        let ursula = person("ursula", "u@example.org", "/bin/bash", &[]);
        assert_eq!(outcome(&group, &ursula, &[], false), Outcome::Pending);
        let one = [vote("gina", true, &[0])];
        assert_eq!(outcome(&group, &ursula, &one, false), Outcome::Pending);
        // The same manager twice is still one approval.
        let same_twice = [vote("gina", true, &[0]), vote("gina", true, &[0])];
        assert_eq!(
            outcome(&group, &ursula, &same_twice, false),
            Outcome::Pending
        );
        let two = [vote("gina", true, &[0]), vote("hal", true, &[0])];
        assert_eq!(outcome(&group, &ursula, &two, false), Outcome::Approved);
        let rejected_after = [vote("gina", true, &[0]), vote("hal", false, &[0])];
        assert_eq!(
            outcome(&group, &ursula, &rejected_after, false),
            Outcome::Rejected
        );
        // Even after two approvals, a third manager's rejection rejects.
        let late_rejection = [
            vote("gina", true, &[0]),
            vote("hal", true, &[0]),
            vote("ivy", false, &[0]),
        ];
        assert_eq!(
            outcome(&group, &ursula, &late_rejection, false),
            Outcome::Rejected
        );
    }

    #[test]
    fn self_approval_counts_only_when_allowed() {
        let group = group(vec![managers(&["gina"], 1)]);
        let gina = person("gina", "g@example.org", "/bin/bash", &[]);
        let own = [vote("gina", true, &[0])];
        assert_eq!(outcome(&group, &gina, &own, false), Outcome::Pending);
        assert_eq!(outcome(&group, &gina, &own, true), Outcome::Approved);
    }

    #[test]
    fn managers_are_named_or_members_of_a_named_group() {
        let leads = "cn=leads,ou=groups,dc=example,dc=org";
        let group = group(vec![
            managers(&["gina"], 1),
            managers(&["CN=Leads, ou=groups,dc=example,dc=org"], 1),
        ]);
        let gina = person("gina", "g@example.org", "/bin/bash", &[]);
        let lee = person("lee", "l@example.org", "/bin/bash", &[leads]);
        let ursula = person("ursula", "u@example.org", "/bin/bash", &[]);
        assert_eq!(managed_rules(&group, &gina), vec![0]);
        assert_eq!(managed_rules(&group, &lee), vec![1]);
        assert!(managed_rules(&group, &ursula).is_empty());
        // Both rules must be satisfied.
        let only_gina = [vote("gina", true, &[0])];
        assert_eq!(
            outcome(&group, &ursula, &only_gina, false),
            Outcome::Pending
        );
        let both = [vote("gina", true, &[0]), vote("lee", true, &[1])];
        assert_eq!(outcome(&group, &ursula, &both, false), Outcome::Approved);
    }

    #[test]
    fn automatic_rules_decide_at_once() {
        let bash = RuleSettings {
            kind: RuleKind::LdapAttribute,
            attribute: "loginshell".into(),
            operator: Operator::EndsWith,
            value: "bash".into(),
            ..RuleSettings::default()
        };
        let staff_mail = RuleSettings {
            kind: RuleKind::EmailDomain,
            domain: "Example.org".into(),
            ..RuleSettings::default()
        };
        let in_staff = RuleSettings {
            kind: RuleKind::GroupMembership,
            member_of: "cn=staff,ou=groups,dc=example,dc=org".into(),
            ..RuleSettings::default()
        };
        let group = group(vec![bash, staff_mail, in_staff]);
        let staff = "cn=staff,ou=groups,dc=example,dc=org";
        let ok = person("ursula", "Ursula@EXAMPLE.org", "/bin/bash", &[staff]);
        assert_eq!(outcome(&group, &ok, &[], false), Outcome::Approved);
        let ksh = person("ursula", "u@example.org", "/bin/ksh", &[staff]);
        assert_eq!(outcome(&group, &ksh, &[], false), Outcome::Rejected);
        let elsewhere = person("ursula", "u@example.com", "/bin/bash", &[staff]);
        assert_eq!(outcome(&group, &elsewhere, &[], false), Outcome::Rejected);
        let outsider = person("ursula", "u@example.org", "/bin/bash", &[]);
        assert_eq!(outcome(&group, &outsider, &[], false), Outcome::Rejected);
    }

    #[test]
    fn prevalidate_hides_the_group_from_those_who_fail() {
        let mut domain = RuleSettings {
            kind: RuleKind::EmailDomain,
            domain: "example.org".into(),
            prevalidate: true,
            ..RuleSettings::default()
        };
        let hidden = group(vec![domain.clone(), managers(&["gina"], 1)]);
        let outsider = person("ursula", "u@elsewhere.net", "/bin/bash", &[]);
        let insider = person("ursula", "u@example.org", "/bin/bash", &[]);
        assert!(!offered(&hidden, &outsider));
        assert!(offered(&hidden, &insider));
        domain.prevalidate = false;
        assert!(offered(&group(vec![domain]), &outsider));
    }

    #[test]
    fn operators_compare_like_the_original() {
        let values = vec!["Abc123".to_string(), "xyz".to_string()];
        assert!(compare(Operator::Equals, &values, "abc123"));
        assert!(!compare(Operator::NotEquals, &values, "XYZ"));
        assert!(compare(Operator::Contains, &values, "c12"));
        assert!(compare(Operator::StartsWith, &values, "Ab"));
        assert!(compare(Operator::EndsWith, &values, "yz"));
        assert!(compare(Operator::Present, &values, ""));
        assert!(!compare(Operator::Present, &[], ""));
        assert!(!compare(Operator::IsDigit, &values, ""));
        assert!(compare(Operator::IsDigit, &["42".to_string()], ""));
        assert!(compare(Operator::IsAlpha, &values, ""));
        assert!(compare(Operator::IsAlnum, &values, ""));
        assert!(compare(Operator::IsLower, &values, ""));
        assert!(!compare(Operator::IsUpper, &values, ""));
    }
}
