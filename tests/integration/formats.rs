//! Coordinators' formats: the example cohort as a spreadsheet answers as
//! its JSON request does, byte for byte; bad cells are all named; CSV
//! folders read like workbooks; the template reads back empty.

use std::path::Path;

use mentormatch::formats::{self, FormatError};
use mentormatch::pb;
use mentormatch::{Limits, SolveOptions};
use prost::Message;

use crate::util::*;

fn example() -> pb::SolveRequest {
    let text = std::fs::read_to_string(repo_path("examples/cmr-2021/request.json")).expect("read");
    serde_json::from_str(&text).expect("a request")
}

#[test]
fn the_example_spreadsheet_is_the_json_request() {
    let from_sheet = formats::read_request(&repo_path("examples/cmr-2021/cohort.xlsx"))
        .expect("the example workbook reads");
    let json = example();
    assert_eq!(from_sheet.encode_to_vec(), json.encode_to_vec());
    let (limits, opts) = (Limits::default(), SolveOptions::default());
    let a = mentormatch::api::solve(&from_sheet, &limits, &opts).expect("solved");
    let b = mentormatch::api::solve(&json, &limits, &opts).expect("solved");
    assert_eq!(a.encode_to_vec(), b.encode_to_vec());
    // The committed workbook is what the writer makes of the request.
    let written = formats::workbook(&json).expect("written");
    let committed = std::fs::read(repo_path("examples/cmr-2021/cohort.xlsx")).expect("read");
    assert_eq!(written, committed, "regenerate: mentormatch template --from examples/cmr-2021/request.json -o examples/cmr-2021/cohort.xlsx");
}

#[test]
fn ten_bad_cells_get_ten_messages_naming_them() {
    let mut req = example();
    {
        let m = &mut req.mentors;
        m[0].profile.as_mut().unwrap().country = "Atlantis".into();
        m[1].profile.as_mut().unwrap().time_zone = "Mars/Base".into();
        m[2].profile.as_mut().unwrap().languages[0].code = "zz".into();
    }
    {
        let e = &mut req.mentees;
        e[0].profile
            .as_mut()
            .unwrap()
            .working_hours
            .as_mut()
            .unwrap()
            .start = "9h".into();
        e[1].profile
            .as_mut()
            .unwrap()
            .working_hours
            .as_mut()
            .unwrap()
            .days = vec![9];
        e[2].profile.as_mut().unwrap().country = "Narnia".into();
        e[3].profile.as_mut().unwrap().languages.clear();
        e[4].profile.as_mut().unwrap().name.clear();
    }
    req.affinities.push(pb::Affinity {
        mentor_id: "m-es-acc-ict".into(),
        mentee_id: "e-ma-mnc".into(),
        value: 3.0,
    });
    req.policy.as_mut().unwrap().pinned_pairs.push(pb::PairRef {
        mentor_id: String::new(),
        mentee_id: "e-ma-mnc".into(),
    });
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bad.xlsx");
    formats::write_workbook(&req, &path).expect("written");
    let Err(FormatError::Cells(cells)) = formats::read_request(&path) else {
        panic!("bad cells must be refused");
    };
    let at: Vec<String> = cells
        .iter()
        .map(|c| format!("{}!{}{}", c.sheet, c.column, c.row))
        .collect();
    assert_eq!(
        at,
        [
            "mentors!C2",
            "mentors!F3",
            "mentors!E4",
            "mentees!G2",
            "mentees!H3",
            "mentees!C4",
            "mentees!E5",
            "mentees!B6",
            "affinities!C2",
            "pins!A3",
        ],
        "{cells:#?}"
    );
    let text = FormatError::Cells(cells.clone()).to_string();
    for (c, want) in cells
        .iter()
        .zip(["Atlantis", "Mars/Base", "zz", "9h", "?", "Narnia"])
    {
        assert!(c.value.contains(want), "{c}");
        assert!(text.contains(&c.to_string()));
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("written");
}

#[test]
fn a_folder_of_csv_files_reads_like_a_workbook() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(
        d,
        "mentors.csv",
        "id,name,country,organization,languages,time zone,hours,days,sectors,topics,capacity\n\
         m1,Ana Ruiz,Spain,,es native; fr C1,Europe/Madrid,08:00-16:00,Sun-Thu,textiles,export; finance,3\n",
    );
    write(
        d,
        "mentees.csv",
        "ID,Name,Country,Languages,Time_Zone,Preferred Mentors\n\
         \n\
         e1,Omar Haddad,MA,ar native; fr B2,Africa/Casablanca,m1\n",
    );
    write(
        d,
        "rules.csv",
        "setting,value\nmin_language_level,b1\nobjective,score\ngroups.min_size,3\n",
    );
    let req = formats::read_request(d).expect("read");
    let m = &req.mentors[0];
    let mp = m.profile.as_ref().unwrap();
    assert_eq!((mp.country.as_str(), m.capacity), ("ES", Some(3)));
    let wh = mp.working_hours.as_ref().unwrap();
    assert_eq!((wh.start.as_str(), wh.end.as_str()), ("08:00", "16:00"));
    assert_eq!(wh.days, vec![7, 1, 2, 3, 4]);
    assert_eq!(mp.topics, ["export", "finance"]);
    assert_eq!(req.mentees[0].preferred_mentors, ["m1"]);
    let p = req.policy.as_ref().unwrap();
    assert_eq!(p.min_language_level, pb::LanguageLevel::B1 as i32);
    assert_eq!(p.objective, pb::Objective::Score as i32);
    assert_eq!(p.groups.as_ref().unwrap().min_size, Some(3));

    // A bad setting and an unknown column are named too, with their rows.
    write(
        d,
        "rules.csv",
        "setting,value\nmin_language_level,B7\nno_such_rule,1\n",
    );
    write(d, "forbidden.csv", "mentor id,mentee id,why\nm1,e1,\n");
    let Err(FormatError::Cells(cells)) = formats::read_request(d) else {
        panic!("refused");
    };
    let at: Vec<String> = cells
        .iter()
        .map(|c| format!("{}!{}{}", c.sheet, c.column, c.row))
        .collect();
    assert_eq!(at, ["rules!B2", "rules!B3", "forbidden!C1"], "{cells:#?}");
}

/// Excel on Windows and Python's `csv` write CRLF; a BOM, a missing final
/// newline and a quoted cell's line break change no row number either.
#[test]
fn csv_cells_are_named_at_their_rows_whatever_ends_the_lines() {
    let header = "id,name,country,languages,time zone";
    let rows = [
        "m1,Ana,Atlantis,fr C1,Europe/Madrid",
        "m2,\"Bea\nBis\",ES,fr C1,Europe/Madrid",
        "m3,Carla,ES,fr Z9,Europe/Madrid",
    ];
    for (eol, bom, last) in [
        ("\n", "", "\n"),
        ("\r\n", "", "\r\n"),
        ("\r\n", "", ""),
        ("\r\n", "\u{feff}", "\r\n"),
    ] {
        let dir = tempfile::tempdir().expect("temp dir");
        let quoted: Vec<String> = rows.iter().map(|r| r.replace('\n', eol)).collect();
        let text = format!("{bom}{header}{eol}{}{last}", quoted.join(eol));
        write(dir.path(), "mentors.csv", &text);
        write(dir.path(), "mentees.csv", &format!("{header}{eol}"));
        let Err(FormatError::Cells(cells)) = formats::read_request(dir.path()) else {
            panic!("bad cells must be refused");
        };
        let at: Vec<String> = cells
            .iter()
            .map(|c| format!("{}!{}{}", c.sheet, c.column, c.row))
            .collect();
        assert_eq!(at, ["mentors!C2", "mentors!D4"], "{eol:?} {bom:?} {last:?}");
    }
}

#[test]
fn the_empty_template_reads_back_empty_and_helps() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("cohort.xlsx");
    formats::write_workbook(&pb::SolveRequest::default(), &path).expect("written");
    let req = formats::read_request(&path).expect("read");
    assert_eq!(req, pb::SolveRequest::default());
    // The same bytes every time.
    let again = formats::workbook(&pb::SolveRequest::default()).expect("written");
    assert_eq!(std::fs::read(&path).expect("read"), again);
}

fn bin() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_mentormatch"))
}

/// The coordinator's path on the command line: the template, the cohort
/// spreadsheet solved like its JSON, `import` showing the request, and
/// bad cells as an input error (exit code 2) naming each one.
#[test]
fn the_command_line_takes_spreadsheets() {
    let run = |args: &[&std::ffi::OsStr]| bin().args(args).output().expect("ran");
    let xlsx = repo_path("examples/cmr-2021/cohort.xlsx");
    let json = repo_path("examples/cmr-2021/request.json");
    let a = run(&["solve".as_ref(), xlsx.as_os_str()]);
    let b = run(&["solve".as_ref(), json.as_os_str()]);
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
    let imported = run(&["import".as_ref(), xlsx.as_os_str()]);
    let req: pb::SolveRequest = serde_json::from_slice(&imported.stdout).expect("a request");
    assert_eq!(req, example());

    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("cohort.xlsx");
    let t = run(&["template".as_ref(), "-o".as_ref(), out.as_os_str()]);
    assert!(t.status.success());
    assert_eq!(
        formats::read_request(&out).expect("read"),
        pb::SolveRequest::default()
    );

    write(
        dir.path(),
        "mentors.csv",
        "id,name,country,languages,time zone\nm1,Ana,Atlantis,fr Z9,Europe/Madrid\n",
    );
    write(
        dir.path(),
        "mentees.csv",
        "id,name,country,languages,time zone\n",
    );
    let bad = run(&["solve".as_ref(), dir.path().join("mentors.csv").as_os_str()]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("mentors!C2 (country) \"Atlantis\""), "{err}");
    assert!(err.contains("mentors!D2 (languages) \"fr Z9\""), "{err}");
}

/// The matching export names everyone beside their id, its score terms
/// add up to each pair's score, and the workbook reads back with its
/// sheets; a what-if's changes are its diff, with names.
#[test]
fn exports_carry_names_terms_and_changes() {
    use calamine::Reader;
    use formats::export::{self, Value};
    let req = example();
    let (limits, opts) = (Limits::default(), SolveOptions::default());
    let resp = mentormatch::api::solve(&req, &limits, &opts).expect("solved");
    let grid = export::matching(&req, &resp);
    assert_eq!(grid.rows.len(), req.mentees.len());
    let col = |name: &str| grid.header.iter().position(|h| h == name).expect(name);
    let (score, first_term, shared) = (col("score"), col("score") + 1, col("shared languages"));
    for (row, e) in grid.rows.iter().zip(&req.mentees) {
        let p = e.profile.as_ref().unwrap();
        assert_eq!(row[1], Value::Text(p.name.clone()));
        let Value::Number(total) = row[score] else {
            panic!("{} is matched in the example", p.id)
        };
        let terms: f64 = row[first_term..shared]
            .iter()
            .map(|v| match v {
                Value::Number(x) => *x,
                Value::Text(_) => 0.0,
            })
            .sum();
        assert!(
            (terms - total).abs() < 1e-6,
            "{}: {terms} against {total}",
            p.id
        );
    }
    let bytes = export::xlsx(&export::solve_sheets(&req, &resp)).expect("workbook");
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).expect("a workbook");
    assert_eq!(
        book.sheet_names(),
        ["summary", "matching", "mentors", "groups"]
    );
    let matching = book.worksheet_range("matching").expect("matching");
    assert_eq!(matching.height(), req.mentees.len() + 1);
    let csv = export::csv(&grid).expect("csv");
    assert_eq!(csv.lines().count(), req.mentees.len() + 1);

    let text = std::fs::read_to_string(repo_path("examples/cmr-2021/whatif.json")).expect("read");
    let w: pb::WhatIfRequest = serde_json::from_str(&text).expect("a what-if");
    let wr = mentormatch::api::what_if(&w, &limits, &opts).expect("what-if");
    let changes = export::changes(&w, &wr);
    let expected: usize = wr
        .results
        .iter()
        .map(|r| {
            let d = r.diff.as_ref().unwrap();
            d.moved.len() + d.added.len() + d.dropped.len()
        })
        .sum();
    assert_eq!(changes.rows.len(), expected);
    assert!(changes
        .rows
        .iter()
        .all(|r| matches!(&r[3], Value::Text(t) if !t.is_empty())));
}

/// The example workbook saved as OpenDocument (every cell kept as text or
/// number, as a spreadsheet application saves it) reads to the same request.
#[test]
fn the_example_as_an_ods_file_is_the_same_request() {
    use calamine::{Data, Reader};
    use std::io::Write;
    let xlsx = repo_path("examples/cmr-2021/cohort.xlsx");
    let mut book = calamine::open_workbook_auto(&xlsx).expect("the example workbook");
    let mut content = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
         <office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" \
         xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" \
         xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\">\
         <office:body><office:spreadsheet>",
    );
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    for name in book.sheet_names() {
        let range = book.worksheet_range(&name).expect("a sheet");
        content.push_str(&format!("<table:table table:name=\"{}\">", esc(&name)));
        for row in range.rows() {
            content.push_str("<table:table-row>");
            for cell in row {
                content.push_str(&match cell {
                    Data::Empty => "<table:table-cell/>".to_string(),
                    Data::Float(x) => format!(
                        "<table:table-cell office:value-type=\"float\" office:value=\"{x}\"><text:p>{x}</text:p></table:table-cell>"
                    ),
                    Data::Int(x) => format!(
                        "<table:table-cell office:value-type=\"float\" office:value=\"{x}\"><text:p>{x}</text:p></table:table-cell>"
                    ),
                    other => format!(
                        "<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
                        esc(&other.to_string())
                    ),
                });
            }
            content.push_str("</table:table-row>");
        }
        content.push_str("</table:table>");
    }
    content.push_str("</office:spreadsheet></office:body></office:document-content>");
    let dir = tempfile::tempdir().expect("temp dir");
    let ods = dir.path().join("cohort.ods");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&ods).expect("create"));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let files = [
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet".to_string()),
        (
            "META-INF/manifest.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\">\
             <manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/>\
             <manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/>\
             </manifest:manifest>"
                .to_string(),
        ),
        ("content.xml", content),
    ];
    for (name, text) in files {
        zip.start_file(name, stored).expect("entry");
        zip.write_all(text.as_bytes()).expect("write");
    }
    zip.finish().expect("zip");
    assert_eq!(
        formats::read_request(&ods).expect("the ods reads"),
        example()
    );
}

#[test]
fn split_days_dated_hours_and_availability_survive_a_workbook() {
    let span = |a: &str, b: &str| pb::TimeSpan {
        start: a.into(),
        end: b.into(),
    };
    let mut req = example();
    for (k, p) in profiles_mut(&mut req).enumerate() {
        match k % 4 {
            0 => {
                // Sunday to Thursday, a split Friday, Ramadan hours, a holiday.
                let mut weekdays: Vec<pb::DayHours> = [1, 2, 3, 4, 7]
                    .into_iter()
                    .map(|day| pb::DayHours {
                        day,
                        spans: vec![span("08:00", "16:00")],
                    })
                    .collect();
                weekdays.insert(
                    4,
                    pb::DayHours {
                        day: 5,
                        spans: vec![span("09:00", "12:00"), span("15:00", "17:00")],
                    },
                );
                p.working_hours = Some(pb::WorkingHours {
                    weekdays,
                    overrides: vec![
                        pb::DateHours {
                            from: "2021-04-13".into(),
                            until: "2021-05-12".into(),
                            spans: vec![span("10:00", "15:00")],
                        },
                        pb::DateHours {
                            from: "2021-05-13".into(),
                            until: "2021-05-13".into(),
                            spans: vec![],
                        },
                    ],
                    ..Default::default()
                });
                p.available_from = "2021-02-01".into();
            }
            1 => p.available_until = "2021-09-30".into(),
            _ => {}
        }
    }
    let dir = tempfile::tempdir().expect("a directory");
    let path = dir.path().join("calendars.xlsx");
    std::fs::write(&path, formats::workbook(&req).expect("written")).expect("write");
    let back = formats::read_request(&path).expect("reads back");
    assert_eq!(back, req);
    // And the service reads it: the same answer as the JSON request.
    let (limits, opts) = (Limits::default(), SolveOptions::default());
    let a = mentormatch::api::solve(&back, &limits, &opts).expect("solved");
    let b = mentormatch::api::solve(&req, &limits, &opts).expect("solved");
    assert_eq!(a.encode_to_vec(), b.encode_to_vec());
}
