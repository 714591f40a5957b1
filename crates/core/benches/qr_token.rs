//! Micro-benchmarks of the QR token scheme: what the projector pays to issue a
//! token and what every check-in pays to verify one (target: verify ≤ 2 µs).
//!
//! `cargo bench -p classtrack-core --bench qr_token`

use std::hint::black_box;

use chrono::{DateTime, Utc};
use classtrack_core::qr::{match_short_code, QrToken, Rotation, SessionSecret};
use classtrack_core::SessionId;
use criterion::{criterion_group, criterion_main, Criterion};

fn fixed_secret() -> SessionSecret {
    SessionSecret::from_bytes(&[42u8; 32]).expect("32 bytes make a secret")
}

fn fixed_time() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_767_261_600_000).expect("a valid instant")
}

fn issue(c: &mut Criterion) {
    let secret = fixed_secret();
    let session = SessionId(1234);
    let window = Rotation::new(10, 3).window_at(fixed_time());
    c.bench_function("QrToken::issue + to_string", |b| {
        b.iter(|| {
            QrToken::issue(black_box(&secret), black_box(session), black_box(window)).to_string()
        })
    });
}

fn verify(c: &mut Criterion) {
    let secret = fixed_secret();
    let window = Rotation::new(10, 3).window_at(fixed_time());
    let text = QrToken::issue(&secret, SessionId(1234), window).to_string();
    let url = format!("https://attendance.example.edu/c/{text}");
    c.bench_function("QrToken::parse + is_signed_by (token)", |b| {
        b.iter(|| {
            QrToken::parse(black_box(&text))
                .map(|t| t.is_signed_by(black_box(&secret)))
                .unwrap_or(false)
        })
    });
    c.bench_function("QrToken::parse + is_signed_by (URL)", |b| {
        b.iter(|| {
            QrToken::parse(black_box(&url))
                .map(|t| t.is_signed_by(black_box(&secret)))
                .unwrap_or(false)
        })
    });
}

fn short_code(c: &mut Criterion) {
    let secret = fixed_secret();
    let session = SessionId(1234);
    let rotation = Rotation::new(10, 3);
    let at = fixed_time();
    let current = QrToken::issue(&secret, session, rotation.window_at(at)).short_code();
    // A wrong code is the worst case: every accepted window is tried.
    let wrong = if current == "000000" {
        "000001"
    } else {
        "000000"
    };
    c.bench_function("match_short_code (hit)", |b| {
        b.iter(|| {
            match_short_code(
                &secret,
                session,
                rotation,
                black_box(&current),
                black_box(at),
            )
        })
    });
    c.bench_function("match_short_code (miss)", |b| {
        b.iter(|| match_short_code(&secret, session, rotation, black_box(wrong), black_box(at)))
    });
}

criterion_group!(benches, issue, verify, short_code);
criterion_main!(benches);
