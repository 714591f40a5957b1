//! Multipart forms (CSV imports, attachments). Their CSRF token is checked
//! here, since the middleware leaves multipart bodies to their handler.

use std::collections::HashMap;

use axum::extract::Multipart;

use crate::browser::Browser;
use crate::error::PageError;
use crate::lang::t;

pub struct Upload {
    pub fields: HashMap<String, String>,
    pub file: Option<UploadedFile>,
}

pub struct UploadedFile {
    pub filename: String,
    pub bytes: Vec<u8>,
}

impl Upload {
    pub fn text(&self, name: &str) -> String {
        self.fields.get(name).cloned().unwrap_or_default()
    }

    /// The file to import: the uploaded file when one was chosen, else the
    /// one a preview carried over (`kept`, base64: a workbook or a
    /// Windows-1252 CSV arrives as it was uploaded), else the pasted text.
    pub fn csv(&self) -> Vec<u8> {
        use base64::Engine;
        match &self.file {
            Some(f) if !f.bytes.is_empty() => f.bytes.clone(),
            _ => match base64::engine::general_purpose::STANDARD.decode(self.text("kept")) {
                Ok(bytes) if !bytes.is_empty() => bytes,
                _ => self.text("csv").into_bytes(),
            },
        }
    }
}

/// Reads every part; the one named `file` is the upload, the rest are text.
pub async fn read(browser: &Browser, mut multipart: Multipart) -> Result<Upload, PageError> {
    let mut fields = HashMap::new();
    let mut file = None;
    let broken = || PageError::bad_form(&t("admin-upload-broken"));
    while let Some(field) = multipart.next_field().await.map_err(|_| broken())? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let filename = field.file_name().unwrap_or_default().to_string();
            let bytes = field.bytes().await.map_err(|_| PageError::too_large())?;
            if !filename.is_empty() || !bytes.is_empty() {
                file = Some(UploadedFile {
                    filename,
                    bytes: bytes.to_vec(),
                });
            }
        } else {
            let text = field.text().await.map_err(|_| broken())?;
            fields.insert(name, text);
        }
    }
    if !browser.csrf_valid(fields.get("csrf").map(String::as_str)) {
        return Err(PageError::message(
            axum::http::StatusCode::FORBIDDEN,
            &t("admin-upload-expired-title"),
            &t("admin-upload-expired"),
        ));
    }
    Ok(Upload { fields, file })
}
