//! The layout's rules, checked on the source itself: every `use` and path
//! of `src/` (the library) is read, resolved to the module it names, and
//! the module graph must follow the layers of ARCHITECTURE.md, have no
//! import circle, and keep files and functions a reader can hold in mind.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers from the bottom: a module may import only from its own
/// top-level module or from a lower layer. A new top-level module must be
/// placed here (and in ARCHITECTURE.md).
const LAYERS: &[(&str, u32)] = &[
    ("error", 0),
    ("model", 0),
    ("settings", 0),
    ("threads", 1),
    ("calendar", 1),
    ("outcome", 2),
    ("scoring", 3),
    ("solvers", 4),
    ("explain", 5),
    ("pipeline", 6),
    ("wire", 7),
    ("api", 8),
    ("tools", 9),
    ("service", 9),
];

/// Longest hand-written file, in lines.
const MAX_FILE_LINES: usize = 700;
/// Longest function, in lines.
const MAX_FN_LINES: usize = 120;

type Module = Vec<String>;

/// Every library source file (the binary's `main.rs` and `cli/` excluded)
/// with its module path.
fn library_files() -> Vec<(PathBuf, Module)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .expect("src readable")
            .map(|e| e.expect("entry").path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files
        .into_iter()
        .filter_map(|p| {
            let rel = p.strip_prefix(&src).expect("under src").to_path_buf();
            let parts: Vec<String> = rel
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            if parts[0] == "main.rs" || parts[0] == "cli" {
                return None;
            }
            let mut module: Module = parts.clone();
            let last = module.pop().expect("a file");
            match last.as_str() {
                "lib.rs" | "mod.rs" => {}
                f => module.push(f.trim_end_matches(".rs").to_string()),
            }
            Some((p, module))
        })
        .collect()
}

/// The source without comments, string and char literals.
fn strip(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    if b[i] == b'\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    if b.get(i) == Some(&b'\n') {
                        out.push('\n');
                    }
                    i += 1;
                }
                out.push_str("\"\"");
                i += 1;
            }
            b'\'' if b.get(i + 1) == Some(&b'\\') => {
                // An escaped char literal ('\n', '\''): skip to its closing quote.
                let close = b[i + 3..].iter().position(|&c| c == b'\'');
                out.push_str("' '");
                i = close.map_or(b.len(), |k| i + 3 + k + 1);
            }
            b'\'' if b.get(i + 2) == Some(&b'\'') => {
                // A char literal ('x'); lifetimes have no closing quote.
                out.push_str("' '");
                i += 3;
            }
            c => {
                out.push(c as char);
                i += 1;
            }
        }
    }
    out
}

/// Expands a use tree (`crate::a::{b, c::{d, e}}`) into its paths.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.split_whitespace().collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let prefix = &tree[..open];
    let inner = &tree[open + 1..tree.len() - 1];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (k, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// Every path the stripped source names from `crate`, `super` or `self`.
fn paths(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = src;
    while let Some(k) = rest.find("use ") {
        let before = rest[..k].chars().last();
        rest = &rest[k + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(end) = rest.find(';') {
            out.extend(expand(&rest[..end]));
        }
    }
    let words: Vec<&str> = src
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .collect();
    for w in words {
        if w.starts_with("crate::") || w.starts_with("super::") {
            out.push(w.trim_end_matches(':').to_string());
        }
    }
    out
}

/// The module a path names, given the module it is written in.
fn resolve(
    path: &str,
    here: &Module,
    is_mod_file: bool,
    modules: &BTreeSet<Module>,
) -> Option<Module> {
    let mut segs = path.split("::").filter(|s| !s.is_empty());
    let mut base: Module = match segs.next()? {
        "crate" => Vec::new(),
        "self" => here.clone(),
        "super" => {
            // `super` of `a/b.rs` is `a`; of `a/b/mod.rs` is `a` as well.
            let mut b = here.clone();
            b.pop();
            let _ = is_mod_file;
            b
        }
        _ => return None,
    };
    for s in segs {
        if s == "super" {
            base.pop();
            continue;
        }
        let mut next = base.clone();
        next.push(s.to_string());
        if modules.contains(&next) {
            base = next;
        } else {
            break;
        }
    }
    Some(base)
}

/// The library's module graph: module → modules it imports.
fn graph() -> BTreeMap<Module, BTreeSet<Module>> {
    let files = library_files();
    let modules: BTreeSet<Module> = files.iter().map(|(_, m)| m.clone()).collect();
    let mut g: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (path, here) in &files {
        let src = strip(&std::fs::read_to_string(path).expect("readable"));
        let is_mod = path.ends_with("mod.rs");
        let deps = g.entry(here.clone()).or_default();
        for p in paths(&src) {
            if let Some(t) = resolve(&p, here, is_mod, &modules) {
                if !t.is_empty() && t != *here {
                    deps.insert(t);
                }
            }
        }
    }
    g
}

#[test]
fn layers_import_only_downwards() {
    let rank: BTreeMap<&str, u32> = LAYERS.iter().copied().collect();
    let mut bad = Vec::new();
    for (from, deps) in graph() {
        if from.is_empty() {
            continue;
        }
        let Some(&r_from) = rank.get(from[0].as_str()) else {
            bad.push(format!("{} is not in LAYERS", from[0]));
            continue;
        };
        for to in deps {
            if to[0] == from[0] {
                continue;
            }
            match rank.get(to[0].as_str()) {
                Some(&r_to) if r_to < r_from => {}
                _ => bad.push(format!("{} imports {}", from.join("::"), to.join("::"))),
            }
        }
    }
    assert!(
        bad.is_empty(),
        "imports against the layers:\n{}",
        bad.join("\n")
    );
}

#[test]
fn no_import_circle() {
    let g = graph();
    // Depth-first search for a back edge; report the circle it closes.
    fn visit(
        m: &Module,
        g: &BTreeMap<Module, BTreeSet<Module>>,
        state: &mut BTreeMap<Module, u8>,
        stack: &mut Vec<Module>,
        circles: &mut Vec<String>,
    ) {
        state.insert(m.clone(), 1);
        stack.push(m.clone());
        for d in g.get(m).into_iter().flatten() {
            match state.get(d).copied().unwrap_or(0) {
                0 => visit(d, g, state, stack, circles),
                1 => {
                    let k = stack.iter().position(|x| x == d).expect("on the stack");
                    let names: Vec<String> = stack[k..].iter().map(|x| x.join("::")).collect();
                    circles.push(format!("{} -> {}", names.join(" -> "), d.join("::")));
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(m.clone(), 2);
    }
    let (mut state, mut circles) = (BTreeMap::new(), Vec::new());
    for m in g.keys() {
        if !state.contains_key(m) {
            visit(m, &g, &mut state, &mut Vec::new(), &mut circles);
        }
    }
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}

/// Names and lengths of the functions in a stripped source.
fn functions(src: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = src.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim_start();
        let Some(k) = t.find("fn ") else { continue };
        let head = &t[..k];
        let is_fn = head
            .split_whitespace()
            .all(|w| w.starts_with("pub") || matches!(w, "async" | "const" | "unsafe"));
        if !is_fn {
            continue;
        }
        let name: String = t[k + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let (mut depth, mut opened) = (0i32, false);
        for (j, l) in lines.iter().enumerate().skip(i) {
            if !opened && l.contains(';') && !l.contains('{') {
                break; // a declaration without a body
            }
            for c in l.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if opened && depth <= 0 {
                out.push((name.clone(), j - i + 1));
                break;
            }
        }
    }
    out
}

#[test]
fn files_and_functions_stay_small() {
    let mut bad = Vec::new();
    for (path, _) in library_files() {
        if path.ends_with("wire/pb.rs") {
            continue; // generated code is included here
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let name = path.display().to_string();
        let n = text.lines().count();
        if n > MAX_FILE_LINES {
            bad.push(format!("{name}: {n} lines"));
        }
        for (f, len) in functions(&strip(&text)) {
            if len > MAX_FN_LINES {
                bad.push(format!("{name}: fn {f} has {len} lines"));
            }
        }
    }
    assert!(bad.is_empty(), "too long:\n{}", bad.join("\n"));
}

#[test]
fn the_checker_sees_imports_and_functions() {
    // The rules above would pass on nothing: make sure the parser reads.
    let g = graph();
    let api = g
        .get(&vec!["api".to_string(), "solve".to_string()])
        .expect("api::solve");
    assert!(api.contains(&vec!["pipeline".to_string()]), "{api:?}");
    let src = strip("pub(crate) fn a() {\n let s = \"}\";\n}\nfn b();\n");
    assert_eq!(functions(&src), vec![("a".to_string(), 3)]);
    assert_eq!(
        expand("crate::a::{b, c::{d, e}}"),
        vec!["crate::a::b", "crate::a::c::d", "crate::a::c::e"]
    );
}
