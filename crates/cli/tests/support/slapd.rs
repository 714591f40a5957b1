//! A real OpenLDAP server for tests: Debian's `slapd` on two free loopback
//! ports (LDAP with StartTLS, and LDAPS) with a certificate from a test CA,
//! a small directory (people, groups, a service account) loaded with
//! `slapadd`, in a temporary directory removed on drop. `.ci/run` installs
//! `slapd` and `ldap-utils`; without them the tests say loudly that they
//! were skipped, and fail under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::pki::TestPki;

const SLAPD: &str = "/usr/sbin/slapd";
pub(crate) const SUFFIX: &str = "dc=example,dc=org";
pub(crate) const SERVICE_DN: &str = "cn=classtrack,ou=services,dc=example,dc=org";
pub(crate) const SERVICE_PASSWORD: &str = "service-secret";
const ROOT_DN: &str = "cn=root,dc=example,dc=org";
const ROOT_PASSWORD: &str = "root-secret";

/// One person of the test directory.
pub(crate) struct Person {
    pub(crate) uid: &'static str,
    pub(crate) name: &'static str,
    pub(crate) mail: &'static str,
    pub(crate) number: Option<&'static str>,
    pub(crate) password: &'static str,
}

/// The people of the test directory; `paul` is in `cn=staff`, `adele` in
/// `cn=admins`.
pub(crate) const PEOPLE: &[Person] = &[
    Person {
        uid: "ana",
        name: "Ana Lima",
        mail: "ana@uni.example.edu",
        number: Some("S1001"),
        password: "ana-directory-pw",
    },
    Person {
        uid: "paul",
        name: "Paul Roy",
        mail: "paul@uni.example.edu",
        number: None,
        password: "paul-directory-pw",
    },
    Person {
        uid: "adele",
        name: "Adèle Brun",
        mail: "adele@uni.example.edu",
        number: None,
        password: "adele-directory-pw",
    },
    Person {
        uid: "bea",
        name: "Bea Directory",
        mail: "bea@uni.example.edu",
        number: Some("S1002"),
        password: "bea-directory-pw",
    },
    Person {
        uid: "carl",
        name: "Carl Directory",
        mail: "carla@uni.example.edu",
        number: None,
        password: "carl-directory-pw",
    },
];

/// A running slapd; stopped and removed on drop.
pub(crate) struct Slapd {
    dir: PathBuf,
    child: Option<Child>,
    pub(crate) pki: TestPki,
    /// `ldap://127.0.0.1:PORT` (StartTLS offered).
    pub(crate) ldap_url: String,
    /// `ldaps://127.0.0.1:PORT`.
    pub(crate) ldaps_url: String,
    ldap_port: u16,
}

/// Whether slapd is installed; if not, says so loudly (a failure under
/// `CI=true`, where `.ci/run` installs it).
pub(crate) fn available() -> bool {
    if Path::new(SLAPD).exists() && Path::new("/usr/bin/ldapmodify").exists() {
        return true;
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    assert!(
        !ci,
        "slapd or ldap-utils is missing under CI=true: .ci/run installs them (apt-get install slapd ldap-utils)"
    );
    eprintln!(
        "\n*** WARNING: {SLAPD} or ldapmodify not found: the LDAP test was SKIPPED \
         (apt-get install slapd ldap-utils) ***\n"
    );
    false
}

impl Slapd {
    /// Starts a directory; call [`available`] first.
    pub(crate) fn start(name: &str) -> Self {
        let pki = TestPki::new(&format!("slapd-{name}"));
        let dir = std::env::temp_dir().join(format!(
            "classtrack-slapd-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        ));
        std::fs::create_dir_all(dir.join("db")).expect("slapd dir");
        let ca = pki.ca_file();
        std::fs::write(dir.join("slapd.conf"), config(&dir, &pki, &ca)).expect("slapd.conf");
        std::fs::write(dir.join("data.ldif"), data()).expect("data.ldif");
        let loaded = Command::new("/usr/sbin/slapadd")
            .args(["-f", "slapd.conf", "-l", "data.ldif"])
            .current_dir(&dir)
            .output()
            .expect("slapadd runs");
        assert!(
            loaded.status.success(),
            "slapadd: {}",
            String::from_utf8_lossy(&loaded.stderr)
        );
        let (ldap_port, ldaps_port) = (free_port(), free_port());
        let mut slapd = Self {
            dir,
            child: None,
            pki,
            ldap_url: format!("ldap://127.0.0.1:{ldap_port}"),
            ldaps_url: format!("ldaps://127.0.0.1:{ldaps_port}"),
            ldap_port,
        };
        slapd.run();
        let _ = ldaps_port;
        slapd
    }

    fn run(&mut self) {
        let urls = format!("{}/ {}/", self.ldap_url, self.ldaps_url);
        let child = Command::new(SLAPD)
            .args(["-f", "slapd.conf", "-h", &urls, "-d", "0"])
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("slapd starts");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.ldap_port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "slapd did not listen within 10 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops the server (the directory is down).
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Applies an LDIF change as the directory's root (ldapmodify).
    pub(crate) fn modify(&self, ldif: &str) {
        use std::io::Write;
        let mut child = Command::new("/usr/bin/ldapmodify")
            .args([
                "-x",
                "-H",
                &self.ldap_url,
                "-D",
                ROOT_DN,
                "-w",
                ROOT_PASSWORD,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ldapmodify runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(ldif.as_bytes())
            .expect("ldif written");
        let out = child.wait_with_output().expect("ldapmodify ends");
        assert!(
            out.status.success(),
            "ldapmodify: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Slapd {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn config(dir: &Path, pki: &TestPki, ca: &Path) -> String {
    format!(
        "include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
modulepath /usr/lib/ldap
moduleload back_mdb
pidfile {dir}/slapd.pid
TLSCACertificateFile {ca}
TLSCertificateFile {cert}
TLSCertificateKeyFile {key}
database mdb
maxsize 10485760
suffix \"{SUFFIX}\"
rootdn \"{ROOT_DN}\"
rootpw {ROOT_PASSWORD}
directory {dir}/db
access to attrs=userPassword by anonymous auth by self write by * none
access to * by users read by * none
",
        dir = dir.display(),
        ca = ca.display(),
        cert = pki.files.cert.display(),
        key = pki.files.key.display(),
    )
}

fn data() -> String {
    let mut out = format!(
        "dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\ndc: example\no: Example\n\n\
         dn: ou=people,{SUFFIX}\nobjectClass: organizationalUnit\nou: people\n\n\
         dn: ou=groups,{SUFFIX}\nobjectClass: organizationalUnit\nou: groups\n\n\
         dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services\n\n\
         dn: {SERVICE_DN}\nobjectClass: person\nobjectClass: simpleSecurityObject\ncn: classtrack\nsn: service\nuserPassword: {SERVICE_PASSWORD}\n\n"
    );
    for p in PEOPLE {
        out.push_str(&format!(
            "dn: uid={uid},ou=people,{SUFFIX}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn:: {cn}\nsn: {uid}\nmail: {mail}\nuserPassword: {pw}\n",
            uid = p.uid,
            cn = base64(p.name),
            mail = p.mail,
            pw = p.password,
        ));
        if let Some(n) = p.number {
            out.push_str(&format!("employeeNumber: {n}\n"));
        }
        out.push('\n');
    }
    for (group, member) in [("staff", "paul"), ("admins", "adele")] {
        out.push_str(&format!(
            "dn: cn={group},ou=groups,{SUFFIX}\nobjectClass: groupOfNames\ncn: {group}\nmember: uid={member},ou=people,{SUFFIX}\n\n"
        ));
    }
    out
}

/// LDIF's base64 for values that are not plain ASCII (Adèle).
fn base64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}
