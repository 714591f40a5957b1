//! Database URLs: which engine a URL names, each host of a MariaDB URL that
//! names several, the database's name, and the URL without its password
//! for messages and logs.

use crate::{Backend, Result, StoreError};

/// The engine a URL names: `sqlite:…`, or `mysql:…`/`mariadb:…`;
/// [`StoreError::BadUrl`] for anything else.
pub fn backend_of(url: &str) -> Result<Backend> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("mysql:") || url.starts_with("mariadb:") {
        Ok(Backend::MySql)
    } else {
        Err(StoreError::BadUrl(
            "expected sqlite://FILE or mysql://USER@HOST:PORT/DATABASE".into(),
        ))
    }
}

/// Each host's URL of a MariaDB URL that names several
/// (`mysql://user:password@h1:3306,h2:3306/db?ssl-mode=…`), in order, each
/// with the same account, database and options; a URL with one host as it
/// is.
pub fn mysql_hosts(url: &str) -> Result<Vec<String>> {
    let bad = |why: &str| {
        StoreError::BadUrl(format!(
            "{why} (expected mysql://USER@HOST:PORT[,HOST:PORT…]/DATABASE)"
        ))
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("no scheme"))?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (account, hosts) = match authority.rsplit_once('@') {
        Some((account, hosts)) => (format!("{account}@"), hosts),
        None => (String::new(), authority),
    };
    if !hosts.contains(',') {
        return Ok(vec![url.to_string()]);
    }
    hosts
        .split(',')
        .map(|host| {
            if host.trim().is_empty() {
                Err(bad("an empty host in the list"))
            } else {
                Ok(format!("{scheme}://{account}{}{tail}", host.trim()))
            }
        })
        .collect()
}

/// `host:port` of a MariaDB URL, or the SQLite URL without its options: no
/// account, no password.
pub(crate) fn host_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) if u.scheme() != "sqlite" => format!(
            "{}:{}",
            u.host_str().unwrap_or_default(),
            u.port().unwrap_or(3306)
        ),
        _ => url.split('?').next().unwrap_or_default().to_string(),
    }
}

/// A database URL with any password replaced by `***`, for messages and
/// logs; several hosts are fine.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match authority.rsplit_once('@') {
        Some((account, hosts)) => match account.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{hosts}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Creates the file when missing, if `create`.
pub(crate) fn sqlite_url(url: &str, create: bool) -> String {
    let mode = if create { "rwc" } else { "rw" };
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode={mode}")
    } else {
        format!("{url}?mode={mode}")
    }
}

/// The database named in a MariaDB URL, checked to be a plain identifier.
pub fn mysql_database_name(url: &str) -> Result<(String, String)> {
    let parsed = url::Url::parse(url).map_err(|e| StoreError::BadUrl(e.to_string()))?;
    let name = parsed.path().trim_start_matches('/').to_string();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(StoreError::BadUrl(
            "the MariaDB url must name a database of letters, digits and '_'".into(),
        ));
    }
    let mut server = parsed.clone();
    server.set_path("/");
    Ok((server.to_string(), name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_url_with_several_hosts_is_one_url_per_host() {
        assert_eq!(
            mysql_hosts("mysql://ct:s%40cret@db1:3306,db2:3307/classtrack?ssl-mode=required")
                .expect("hosts"),
            vec![
                "mysql://ct:s%40cret@db1:3306/classtrack?ssl-mode=required",
                "mysql://ct:s%40cret@db2:3307/classtrack?ssl-mode=required",
            ]
        );
        assert_eq!(
            mysql_hosts("mysql://root@127.0.0.1:3306/test").expect("one host"),
            vec!["mysql://root@127.0.0.1:3306/test"]
        );
        assert_eq!(
            mysql_hosts("mysql://a,b/db").expect("no account"),
            vec!["mysql://a/db", "mysql://b/db"]
        );
        assert!(mysql_hosts("mysql://u@a,/db").is_err(), "an empty host");
    }

    #[test]
    fn redacting_hides_the_password_of_one_host_or_several() {
        assert_eq!(
            redact_url("mysql://ct:hunter2@db1:3306,db2:3306/classtrack"),
            "mysql://ct:***@db1:3306,db2:3306/classtrack"
        );
        assert_eq!(
            redact_url("mysql://ct:hunter2@db1/classtrack?ssl-mode=required"),
            "mysql://ct:***@db1/classtrack?ssl-mode=required"
        );
        assert_eq!(
            redact_url("mysql://ct@db1/classtrack"),
            "mysql://ct@db1/classtrack"
        );
        assert_eq!(
            redact_url("sqlite://classtrack.db"),
            "sqlite://classtrack.db"
        );
        assert_eq!(host_of("mysql://ct:hunter2@db1:3307/x"), "db1:3307");
    }
}
