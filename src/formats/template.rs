//! The template: its sheets and columns, each with its help text and an
//! example, shared by the reader, the writer and the help sheet.

/// A column of a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// Its header (matched ignoring case, spaces and underscores).
    pub header: &'static str,
    /// What it holds.
    pub help: &'static str,
    /// An example value.
    pub example: &'static str,
    /// A value is required on every row.
    pub required: bool,
}

const fn col(header: &'static str, help: &'static str, example: &'static str) -> Column {
    Column {
        header,
        help,
        example,
        required: false,
    }
}

const fn req(header: &'static str, help: &'static str, example: &'static str) -> Column {
    Column {
        header,
        help,
        example,
        required: true,
    }
}

/// A sheet of the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sheet {
    /// Its name (matched ignoring case).
    pub name: &'static str,
    /// What one row is.
    pub help: &'static str,
    /// Its columns, in order.
    pub columns: &'static [Column],
    /// The sheet must be present.
    pub required: bool,
}

/// The profile columns mentors and mentees share.
macro_rules! profile_columns {
    ($($more:expr),* $(,)?) => {
        &[
            req("id", "Unique across mentors and mentees.", "m-es-ict"),
            req("name", "Full name (shown in exports, never logged).", "Laia Ferrer Casals"),
            req("country", "ISO 3166-1 alpha-2 code or English name.", "ES"),
            col("organization", "Cluster, company or institution; empty if none.", "Catalan ICT cluster"),
            req("languages", "Language codes (ISO 639-1) with a level A1–C2 or native, separated by ';'.", "ca native; es native; en C1; fr B2"),
            req("time zone", "IANA name.", "Europe/Madrid"),
            col("hours", "Working hours in the person's time zone: HH:MM-HH:MM, a split day (09:00-13:00, 15:00-18:00), or per weekday (Sun-Thu 09:00-17:00; Fri 09:00-12:00, 15:00-17:00, days then empty); empty: 09:00-18:00.", "09:00-18:00"),
            col("days", "Working days: a range (Sun-Thu) or a list (Mon, Wed, Fri); empty: Mon-Fri.", "Mon-Fri"),
            col("dated hours", "Dates with their own hours, separated by ';': 2027-02-08 to 2027-03-09 10:00-15:00 (Ramadan); 2027-05-01 off.", ""),
            col("available from", "First date the person takes part, YYYY-MM-DD; empty: the programme's start.", ""),
            col("available until", "Last date the person takes part, YYYY-MM-DD; empty: the programme's end.", ""),
            col("sectors", "Cluster domains, separated by ';'.", "ict"),
            col("topics", "Topics of expertise or need, separated by ';'.", "digital_transformation; eu_projects"),
            $($more),*
        ]
    };
}

/// Mentors.
pub const MENTORS: Sheet = Sheet {
    name: "mentors",
    help: "One mentor per row.",
    columns: profile_columns!(
        col("capacity", "Most mentees in pairs; empty: 1.", "2"),
        col("min mentees", "Fewest mentees in pairs; empty: 0.", "0"),
        col("max groups", "Most groups led; empty: 1.", ""),
        col(
            "role",
            "The mentor's role, counted by mentees' role demands (e.g. technical); empty: none.",
            ""
        ),
    ),
    required: true,
};

/// Mentees.
pub const MENTEES: Sheet = Sheet {
    name: "mentees",
    help: "One mentee per row.",
    columns: profile_columns!(
        col(
            "preferred mentors",
            "Mentor ids, most wanted first, separated by ';'.",
            "m-es-ict; m-fr-digital"
        ),
        col(
            "excluded mentors",
            "Mentor ids never to pair with, separated by ';'.",
            ""
        ),
        col(
            "allowed mentors",
            "When filled: the only mentor ids this mentee may have, separated by ';' (a \
             sparse programme's candidates). Empty: every mentor.",
            ""
        ),
        col(
            "min mentors",
            "Fewest mentors this mentee must have (a hard rule); empty: 0.",
            ""
        ),
        col(
            "max mentors",
            "Most mentors, each a different one; empty: 1.",
            ""
        ),
        col(
            "priority",
            "Priority tier 0-9: a higher tier gets its first mentor first; empty: 0.",
            ""
        ),
        col(
            "role demands",
            "Mentors per role, separated by ';': a role and how many at least, or at least-at \
             most (technical 1; governance 0-1). Empty: no bound.",
            ""
        ),
    ),
    required: true,
};

/// Programme rules, one setting per row.
pub const RULES: Sheet = Sheet {
    name: "rules",
    help: "One setting per row: request_id, programme_id, cohort, or a policy field of the \
           JSON request in snake_case, nested with dots (groups.min_size). Values: numbers, \
           true/false, dates YYYY-MM-DD, enum values with or without their prefix \
           (B2, coverage_then_score), lists as JSON. Empty: the default.",
    columns: &[
        req("setting", "The field.", "min_language_level"),
        col("value", "Its value.", "B2"),
    ],
    required: false,
};

/// Affinities.
pub const AFFINITIES: Sheet = Sheet {
    name: "affinities",
    help: "A coordinator's affinity for a pair, in [0, 1].",
    columns: &[
        req("mentor id", "", "m-es-ict"),
        req("mentee id", "", "e-ma-mnc"),
        req("value", "In [0, 1].", "0.8"),
    ],
    required: false,
};

/// Pinned pairs.
pub const PINS: Sheet = Sheet {
    name: "pins",
    help: "Pairs that must be in the matching.",
    columns: &[
        req("mentor id", "", "m-es-ict"),
        req("mentee id", "", "e-ma-mnc"),
    ],
    required: false,
};

/// Forbidden pairs.
pub const FORBIDDEN: Sheet = Sheet {
    name: "forbidden",
    help: "Pairs that must never be matched.",
    columns: &[
        req("mentor id", "", "m-es-ict"),
        req("mentee id", "", "e-ma-mnc"),
    ],
    required: false,
};

/// Every data sheet, in the workbook's order.
pub const SHEETS: [Sheet; 6] = [MENTORS, MENTEES, RULES, AFFINITIES, PINS, FORBIDDEN];

/// The sheet of explanations, ignored when reading.
pub const HELP: &str = "help";

/// A header or sheet name as compared: lower case, without spaces,
/// underscores or hyphens.
pub(super) fn key(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Prefixes of the policy's enum values: a rules cell may leave them out.
pub(super) const ENUM_PREFIXES: [&str; 7] = [
    "LANGUAGE_LEVEL_",
    "OBJECTIVE_",
    "ENGINE_",
    "SCORING_MODE_",
    "BILATERAL_RELATION_",
    "GROUP_COUNT_GOAL_",
    "EARLIER_PAIRS_",
];
