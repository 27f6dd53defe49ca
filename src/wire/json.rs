//! Proto3 JSON in: a message read from text, and any value it cannot take
//! named by its field path in the proto's own field names
//! (`mentors[3].capacity`), with the value, what the field takes, and where
//! in the text — the same path a `BadRequest` names for a bad value.
//!
//! pbjson's readers report a bad number as "did not match any variant of
//! untagged enum" and nothing else; the path comes from
//! `serde_path_to_error`, and what the field takes from the API's own
//! descriptors ([`pb::FILE_DESCRIPTOR_SET`]).

use std::sync::OnceLock;

use prost::Message;
use prost_types::field_descriptor_proto::{Label, Type};
use prost_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorSet};
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;

use crate::error::{Error, FieldViolation};
use crate::wire::pb;

/// Reads a `T` (a message of the API, e.g. [`pb::SolveRequest`]) from proto3
/// JSON. Bad JSON or a value a field cannot take is `InvalidArgument` with
/// one violation naming the field, the value and its line and column.
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let err = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => match de.end() {
            Ok(()) => return Ok(v),
            Err(e) => return Err(violation("", located(&e))),
        },
        Err(e) => e,
    };
    let segments: Vec<Segment> = err.path().iter().cloned().collect();
    let inner = err.into_inner();
    let root = std::any::type_name::<T>().rsplit("::").next().unwrap_or("");
    let place = Place::find(root, &segments);
    let value = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| lookup(&v, &segments).map(shown));
    let said = message(&inner);
    let description = match (&place.takes, value) {
        (Some(takes), Some(value)) if !said.starts_with("unknown field") => {
            if said.contains("untagged enum") || said.starts_with("invalid type") {
                format!("{value} is not {takes}")
            } else {
                format!("{value} is not {takes} ({said})")
            }
        }
        _ => said,
    };
    let at = format!(" (line {}, column {})", inner.line(), inner.column());
    Err(violation(&place.path, description + &at))
}

fn violation(field: &str, description: String) -> Error {
    let field = if field.is_empty() { "(request)" } else { field };
    Error::InvalidArgument(vec![FieldViolation::new(field, description)])
}

/// serde_json's message without its " at line L column C".
fn message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let tail = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&tail).unwrap_or(&text).to_string()
}

fn located(e: &serde_json::Error) -> String {
    format!("{} (line {}, column {})", message(e), e.line(), e.column())
}

/// The JSON value at a path, if the text is JSON at all.
fn lookup<'v>(v: &'v Value, path: &[Segment]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, s| match s {
        Segment::Seq { index } => v.get(*index),
        Segment::Map { key } => v.get(key.as_str()),
        Segment::Enum { .. } | Segment::Unknown => None,
    })
}

/// A value as the message quotes it: compact, and cut when long.
fn shown(v: &Value) -> String {
    let text = v.to_string();
    match text.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text,
    }
}

/// Where a path leads in the API: the proto field path and what the field
/// there takes, in words.
struct Place {
    path: String,
    takes: Option<String>,
}

impl Place {
    fn find(root: &str, segments: &[Segment]) -> Place {
        let fds = descriptors();
        let mut path = String::new();
        let mut msg = message_named(fds, &format!(".mentormatch.v1.{root}"));
        // The field the path has reached, and whether it stands for the
        // whole list (a repeated field before its index).
        let mut field: Option<(&FieldDescriptorProto, bool)> = None;
        for s in segments {
            match s {
                Segment::Seq { index } => {
                    path.push_str(&format!("[{index}]"));
                    if let Some((f, true)) = field {
                        field = Some((f, false));
                        msg = element_message(fds, f);
                    }
                }
                Segment::Map { key } => {
                    if let Some((f, true)) = field.filter(|(f, _)| is_map(fds, f)) {
                        path.push_str(&format!("[{key:?}]"));
                        let value = message_named(fds, f.type_name())
                            .and_then(|m| m.field.iter().find(|v| v.name() == "value"));
                        field = value.map(|v| (v, false));
                        msg = value.and_then(|v| element_message(fds, v));
                        continue;
                    }
                    let Some(f) = msg.and_then(|m| {
                        m.field
                            .iter()
                            .find(|f| f.json_name() == key || f.name() == key)
                    }) else {
                        path.push_str(&format!(".{key}"));
                        return Place {
                            path: path.trim_start_matches('.').to_string(),
                            takes: None,
                        };
                    };
                    path.push_str(&format!(".{}", f.name()));
                    let list = f.label() == Label::Repeated;
                    field = Some((f, list));
                    msg = if list { None } else { element_message(fds, f) };
                }
                Segment::Enum { .. } | Segment::Unknown => {}
            }
        }
        Place {
            path: path.trim_start_matches('.').to_string(),
            takes: field.map(|(f, list)| takes(fds, f, list)),
        }
    }
}

/// What a field takes, in words.
fn takes(fds: &FileDescriptorSet, f: &FieldDescriptorProto, list: bool) -> String {
    if list {
        return if is_map(fds, f) {
            "an object of keys and values".into()
        } else {
            "a list".into()
        };
    }
    match f.r#type() {
        Type::Uint32 | Type::Fixed32 => "a whole number from 0 to 4294967295".into(),
        Type::Int32 | Type::Sint32 | Type::Sfixed32 => {
            "a whole number from -2147483648 to 2147483647".into()
        }
        Type::Uint64 | Type::Fixed64 => "a whole number ≥ 0".into(),
        Type::Int64 | Type::Sint64 | Type::Sfixed64 => "a whole number".into(),
        Type::Double | Type::Float => "a number".into(),
        Type::Bool => "true or false".into(),
        Type::String => "a string".into(),
        Type::Bytes => "base64 bytes".into(),
        Type::Enum => {
            let names: Vec<&str> = enum_named(fds, f.type_name())
                .map(|e| e.value.iter().map(|v| v.name()).collect())
                .unwrap_or_default();
            format!("one of {}", names.join(", "))
        }
        Type::Message | Type::Group => "an object".into(),
    }
}

fn descriptors() -> &'static FileDescriptorSet {
    static FDS: OnceLock<FileDescriptorSet> = OnceLock::new();
    FDS.get_or_init(|| {
        FileDescriptorSet::decode(pb::FILE_DESCRIPTOR_SET).expect("the build's own descriptors")
    })
}

/// Every message of the set with its full name (`.package.Outer.Inner`).
fn messages(fds: &FileDescriptorSet) -> Vec<(String, &DescriptorProto)> {
    fn walk<'a>(
        prefix: &str,
        ms: &'a [DescriptorProto],
        out: &mut Vec<(String, &'a DescriptorProto)>,
    ) {
        for m in ms {
            let name = format!("{prefix}.{}", m.name());
            walk(&name, &m.nested_type, out);
            out.push((name, m));
        }
    }
    let mut out = Vec::new();
    for file in &fds.file {
        walk(
            &format!(".{}", file.package()),
            &file.message_type,
            &mut out,
        );
    }
    out
}

fn message_named<'a>(fds: &'a FileDescriptorSet, full: &str) -> Option<&'a DescriptorProto> {
    messages(fds)
        .into_iter()
        .find(|(n, _)| n == full)
        .map(|(_, m)| m)
}

fn enum_named<'a>(
    fds: &'a FileDescriptorSet,
    full: &str,
) -> Option<&'a prost_types::EnumDescriptorProto> {
    for file in &fds.file {
        let top = format!(".{}", file.package());
        for e in &file.enum_type {
            if format!("{top}.{}", e.name()) == full {
                return Some(e);
            }
        }
    }
    messages(fds).into_iter().find_map(|(n, m)| {
        m.enum_type
            .iter()
            .find(|e| format!("{n}.{}", e.name()) == full)
    })
}

/// The message a field's values are, if they are messages.
fn element_message<'a>(
    fds: &'a FileDescriptorSet,
    f: &FieldDescriptorProto,
) -> Option<&'a DescriptorProto> {
    (f.r#type() == Type::Message)
        .then(|| message_named(fds, f.type_name()))
        .flatten()
}

/// Whether a field is a proto `map<K, V>` (a repeated map entry).
fn is_map(fds: &FileDescriptorSet, f: &FieldDescriptorProto) -> bool {
    f.label() == Label::Repeated
        && element_message(fds, f)
            .and_then(|m| m.options.as_ref())
            .is_some_and(|o| o.map_entry())
}
