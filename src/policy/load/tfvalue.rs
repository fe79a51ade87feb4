//! A small evaluator for the Terraform expressions found in trust policies: literals,
//! templates, `var.*` defaults, `local.*`, the URL and ARN of an `aws_iam_openid_connect_provider`
//! declared in the same module, and a few string functions. Anything else stays unknown and is
//! kept as `${source text}`, so a check can still show what it saw.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use hcl::edit::Span;
use hcl::edit::expr::{Expression, ObjectKey, TraversalOperator};
use hcl::edit::template::{Element, Template};
use serde_json::Value;

/// A Terraform value, as far as it is known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tf {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    List(Vec<Tf>),
    Obj(Vec<(String, Tf)>),
    /// An expression this evaluator does not resolve, by its source text.
    Unknown(String),
}

impl Tf {
    /// The value as a string, with unknown parts written `${...}`.
    pub(crate) fn to_text(&self) -> Option<String> {
        match self {
            Tf::Str(s) | Tf::Num(s) => Some(s.clone()),
            Tf::Bool(b) => Some(b.to_string()),
            Tf::Unknown(src) => Some(format!("${{{src}}}")),
            _ => None,
        }
    }

    /// The value as JSON, as Terraform's `jsonencode` would write it.
    pub(crate) fn to_json(&self) -> Value {
        match self {
            Tf::Null => Value::Null,
            Tf::Bool(b) => Value::Bool(*b),
            Tf::Num(n) => serde_json::from_str::<serde_json::Number>(n)
                .map(Value::Number)
                .unwrap_or_else(|_| Value::String(n.clone())),
            Tf::Str(s) => Value::String(s.clone()),
            Tf::List(items) => Value::Array(items.iter().map(Tf::to_json).collect()),
            Tf::Obj(items) => Value::Object(
                items
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_json()))
                    .collect(),
            ),
            Tf::Unknown(src) => Value::String(format!("${{{src}}}")),
        }
    }

    fn get(&self, attr: &str) -> Option<&Tf> {
        match self {
            Tf::Obj(items) => items.iter().find(|(k, _)| k == attr).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// What one Terraform module declares that trust policies refer to.
pub(crate) struct Scope {
    pub(crate) dir: PathBuf,
    pub(crate) vars: HashMap<String, Tf>,
    pub(crate) locals: HashMap<String, Tf>,
    /// `(resource|data, name)` -> the provider's URL.
    pub(crate) oidc_providers: HashMap<(String, String), Tf>,
    /// Source texts of the expressions left unresolved since the last [`Scope::take_unresolved`].
    unresolved: RefCell<Vec<String>>,
}

impl Scope {
    pub(crate) fn new(dir: &Path) -> Scope {
        Scope {
            dir: dir.to_path_buf(),
            vars: HashMap::new(),
            locals: HashMap::new(),
            oidc_providers: HashMap::new(),
            unresolved: RefCell::new(Vec::new()),
        }
    }

    /// The expressions left unresolved since the last call.
    pub(crate) fn take_unresolved(&self) -> Vec<String> {
        let mut list = std::mem::take(&mut *self.unresolved.borrow_mut());
        list.dedup();
        list
    }

    fn unknown(&self, expr: &Expression, text: &str) -> Tf {
        let src = source(expr, text);
        self.unresolved.borrow_mut().push(src.clone());
        Tf::Unknown(src)
    }

    /// Evaluates `expr`, found in the file whose text is `text`.
    pub(crate) fn eval(&self, expr: &Expression, text: &str) -> Tf {
        match expr {
            Expression::Null(_) => Tf::Null,
            Expression::Bool(b) => Tf::Bool(*b.value()),
            Expression::Number(n) => Tf::Num(n.value().to_string()),
            Expression::String(s) => Tf::Str(s.value().clone()),
            Expression::Array(items) => {
                Tf::List(items.iter().map(|e| self.eval(e, text)).collect())
            }
            Expression::Object(obj) => Tf::Obj(
                obj.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            ObjectKey::Ident(id) => id.as_str().to_string(),
                            ObjectKey::Expression(e) => self
                                .eval(e, text)
                                .to_text()
                                .unwrap_or_else(|| source(e, text)),
                        };
                        (key, self.eval(v.expr(), text))
                    })
                    .collect(),
            ),
            Expression::StringTemplate(t) => self
                .template(t, text)
                .unwrap_or_else(|| self.unknown(expr, text)),
            Expression::HeredocTemplate(h) => self
                .template(&h.template, text)
                .unwrap_or_else(|| self.unknown(expr, text)),
            Expression::Parenthesis(p) => self.eval(p.inner(), text),
            Expression::Traversal(t) => self
                .traversal(t, text)
                .unwrap_or_else(|| self.unknown(expr, text)),
            Expression::FuncCall(f) => self
                .call(f, text)
                .unwrap_or_else(|| self.unknown(expr, text)),
            _ => self.unknown(expr, text),
        }
    }

    fn template(&self, template: &Template, text: &str) -> Option<Tf> {
        let mut out = String::new();
        for element in template.iter() {
            match element {
                Element::Literal(s) => out.push_str(s.value()),
                Element::Interpolation(i) => out.push_str(&self.eval(&i.expr, text).to_text()?),
                Element::Directive(_) => return None,
            }
        }
        Some(Tf::Str(out))
    }

    fn traversal(&self, t: &hcl::edit::expr::Traversal, text: &str) -> Option<Tf> {
        let Expression::Variable(root) = &t.expr else {
            return None;
        };
        let mut path: Vec<String> = vec![root.as_str().to_string()];
        for op in &t.operators {
            match op.value() {
                TraversalOperator::GetAttr(id) => path.push(id.as_str().to_string()),
                TraversalOperator::Index(e) => path.push(self.eval(e, text).to_text()?),
                TraversalOperator::LegacyIndex(i) => path.push(i.value().to_string()),
                _ => return None,
            }
        }
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        let (base, rest): (Tf, &[&str]) = match p.as_slice() {
            ["var", name, rest @ ..] => (self.vars.get(*name)?.clone(), rest),
            ["local", name, rest @ ..] => (self.locals.get(*name)?.clone(), rest),
            ["path", "module" | "root" | "cwd"] => (Tf::Str(self.dir.display().to_string()), &[]),
            ["aws_iam_openid_connect_provider", name, attr] => {
                (self.provider("resource", name, attr)?, &[])
            }
            ["data", "aws_iam_openid_connect_provider", name, attr] => {
                (self.provider("data", name, attr)?, &[])
            }
            _ => return None,
        };
        let mut value = base;
        for key in rest {
            value = match &value {
                Tf::List(items) => items.get(key.parse::<usize>().ok()?)?.clone(),
                other => other.get(key)?.clone(),
            };
        }
        (!matches!(value, Tf::Unknown(_))).then_some(value)
    }

    fn provider(&self, kind: &str, name: &str, attr: &str) -> Option<Tf> {
        let url = self
            .oidc_providers
            .get(&(kind.to_string(), name.to_string()))?;
        let host = crate::policy::github::issuer_path(&url.to_text()?);
        match attr {
            "url" => Some(Tf::Str(url.to_text()?)),
            // The partition and account are not known here; the provider path is what matters.
            "arn" | "id" => Some(Tf::Str(format!(
                "arn:${{partition}}:iam::${{account}}:oidc-provider/{host}"
            ))),
            _ => None,
        }
    }

    fn call(&self, f: &hcl::edit::expr::FuncCall, text: &str) -> Option<Tf> {
        if f.name.is_namespaced() {
            return None;
        }
        let args: Vec<Tf> = f.args.iter().map(|a| self.eval(a, text)).collect();
        let s = |i: usize| match args.get(i) {
            Some(Tf::Str(s)) => Some(s.clone()),
            _ => None,
        };
        match (f.name.name.as_str(), args.len()) {
            ("jsonencode", 1) => Some(Tf::Str(args[0].to_json().to_string())),
            ("replace", 3) => {
                let (hay, from, to) = (s(0)?, s(1)?, s(2)?);
                // A /regex/ pattern is not evaluated here.
                (!(from.len() > 1 && from.starts_with('/') && from.ends_with('/')))
                    .then(|| Tf::Str(hay.replace(&from, &to)))
            }
            ("trimprefix", 2) => {
                let (v, p) = (s(0)?, s(1)?);
                Some(Tf::Str(v.strip_prefix(&p).unwrap_or(&v).to_string()))
            }
            ("trimsuffix", 2) => {
                let (v, p) = (s(0)?, s(1)?);
                Some(Tf::Str(v.strip_suffix(&p).unwrap_or(&v).to_string()))
            }
            ("lower", 1) => Some(Tf::Str(s(0)?.to_lowercase())),
            ("upper", 1) => Some(Tf::Str(s(0)?.to_uppercase())),
            ("tostring", 1) => Some(Tf::Str(args[0].to_text()?)),
            ("tolist" | "toset", 1) => match &args[0] {
                Tf::List(_) => Some(args[0].clone()),
                _ => None,
            },
            ("concat", _) => {
                let mut all = Vec::new();
                for a in &args {
                    match a {
                        Tf::List(items) => all.extend(items.iter().cloned()),
                        _ => return None,
                    }
                }
                Some(Tf::List(all))
            }
            ("format", n) if n >= 1 => {
                let fmt = s(0)?;
                let mut out = String::new();
                let mut rest = args[1..].iter();
                let mut chars = fmt.chars().peekable();
                while let Some(c) = chars.next() {
                    if c != '%' {
                        out.push(c);
                        continue;
                    }
                    match chars.next()? {
                        '%' => out.push('%'),
                        's' | 'd' => out.push_str(&rest.next()?.to_text()?),
                        _ => return None,
                    }
                }
                Some(Tf::Str(out))
            }
            ("file", 1) => read_module_file(&self.dir, Path::new(&s(0)?)).map(Tf::Str),
            _ => None,
        }
    }
}

/// `file()` within the module's directory only: a configuration under review must not make the
/// checker read and print `/proc/self/environ` or `~/.aws/credentials`. `path.module` resolves to
/// that directory, so `file("${path.module}/policy.json")` still works.
fn read_module_file(dir: &Path, path: &Path) -> Option<String> {
    let dir = dir.canonicalize().ok()?;
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        dir.join(path)
    };
    let resolved = joined.canonicalize().ok()?;
    if !resolved.starts_with(&dir) {
        return None;
    }
    read_small_file(&resolved)
}

/// The most `file()` reads: a policy document is a few KiB.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// `file()`: a regular file of at most [`MAX_FILE_BYTES`], else unknown. A configuration under
/// review may name a device (`/dev/zero` would fill memory, `/dev/stdin` would wait forever)
/// or a huge file.
fn read_small_file(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > MAX_FILE_BYTES {
        return None;
    }
    let mut text = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_FILE_BYTES + 1)
        .read_to_string(&mut text)
        .ok()?;
    (text.len() as u64 <= MAX_FILE_BYTES).then_some(text)
}

/// The source text of `expr`, trimmed.
pub(crate) fn source(expr: &Expression, text: &str) -> String {
    expr.span()
        .and_then(|r| text.get(r))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "expression".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(scope: &Scope, src: &str) -> Tf {
        let expr = hcl::edit::parser::parse_expr(src).expect("parses");
        scope.eval(&expr, src)
    }

    #[test]
    fn templates_functions_and_unknowns() {
        let mut scope = Scope::new(Path::new("."));
        scope.vars.insert("repo".into(), Tf::Str("acme/app".into()));
        assert_eq!(
            eval(&scope, r#""repo:${var.repo}:pull_request""#),
            Tf::Str("repo:acme/app:pull_request".into())
        );
        assert_eq!(
            eval(&scope, r#"replace("https://x.y", "https://", "")"#),
            Tf::Str("x.y".into())
        );
        assert_eq!(
            eval(&scope, r#""${var.nope}:sub""#),
            Tf::Str("${var.nope}:sub".into())
        );
        assert_eq!(scope.take_unresolved(), vec!["var.nope".to_string()]);
        assert_eq!(
            eval(
                &scope,
                r#"format("repo:%s:ref:%s", var.repo, "refs/heads/main")"#
            ),
            Tf::Str("repo:acme/app:ref:refs/heads/main".into())
        );
    }
}
