//! Media the widget loads from outside its own folder: avatars and the notification sound.
//! Both are generated here, so the server needs no image or audio files of its own.

use std::f32::consts::TAU;
use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{web, HttpResponse};

/// Where the notification sound is served; `livechat/config` names its absolute URL in
/// `resources.sound`.
pub const SOUND_PATH: &str = "/sounds/chime.wav";

/// Background colours of generated avatars, picked by a hash of the username.
const COLORS: [&str; 8] =
    ["#C1272D", "#1D74F5", "#2DE0A5", "#F5455C", "#9C27B0", "#FFA000", "#00838F", "#5D4037"];

/// `GET /avatar/{username}`: an SVG with the username's initial on a coloured square.
pub async fn avatar(username: web::Path<String>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        // Opened directly, the image still runs nothing.
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'",
        ))
        .body(avatar_svg(&username))
}

/// `GET /sounds/chime.wav`: the sound the widget plays when a message arrives.
pub async fn sound() -> HttpResponse {
    static CHIME: OnceLock<Vec<u8>> = OnceLock::new();
    HttpResponse::Ok()
        .content_type("audio/wav")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(CHIME.get_or_init(chime_wav).clone())
}

/// The avatar of `username`: its first character, upper-cased and XML-escaped.
fn avatar_svg(username: &str) -> String {
    let initial: String = username
        .chars()
        .find(|ch| ch.is_alphanumeric())
        .map_or_else(|| "?".to_owned(), |ch| ch.to_uppercase().collect());
    let hash = username
        .bytes()
        .fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193));
    let color = COLORS[hash as usize % COLORS.len()];
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"200\" \
         viewBox=\"0 0 200 200\"><rect width=\"200\" height=\"200\" fill=\"{color}\"/>\
         <text x=\"100\" y=\"100\" dy=\"0.35em\" text-anchor=\"middle\" fill=\"#FFFFFF\" \
         font-family=\"Helvetica, Arial, sans-serif\" font-size=\"110\">{}</text></svg>",
        xml_escape(&initial)
    )
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            ch => out.push(ch),
        }
    }
    out
}

/// A short two-note chime (C6 then G6, each decaying), as a 16-bit mono PCM WAV file.
fn chime_wav() -> Vec<u8> {
    const RATE: u32 = 22_050;
    let samples: Vec<i16> = (0..RATE * 2 / 5)
        .map(|n| {
            let t = n as f32 / RATE as f32;
            let note = |start: f32, frequency: f32| {
                if t < start {
                    return 0.0;
                }
                let t = t - start;
                (TAU * frequency * t).sin() * (-t * 9.0).exp() * (t * 400.0).min(1.0)
            };
            let value = 0.45 * note(0.0, 1046.5) + 0.45 * note(0.12, 1568.0);
            (value.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16
        })
        .collect();
    let data_len = samples.len() as u32 * 2;
    let mut wav = Vec::with_capacity(44 + data_len as usize);
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + data_len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes()); // size of the fmt chunk
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&RATE.to_le_bytes());
    wav.extend_from_slice(&(RATE * 2).to_le_bytes()); // bytes per second
    wav.extend_from_slice(&2u16.to_le_bytes()); // bytes per frame
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&data_len.to_le_bytes());
    for sample in samples {
        wav.extend_from_slice(&sample.to_le_bytes());
    }
    wav
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn avatar_shows_the_escaped_initial() {
        let svg = avatar_svg("agent1");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains(">A</text>"));
        assert_eq!(avatar_svg("agent1"), svg, "the same user gets the same picture");
        assert!(avatar_svg("élodie").contains(">É</text>"));
        assert!(avatar_svg("").contains(">?</text>"));
        assert!(avatar_svg("<&>").contains(">?</text>"));
        assert_eq!(
            xml_escape("<a href='x'>&\"</a>"),
            "&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt;"
        );
    }

    #[test]
    fn chime_is_a_consistent_wav_file() {
        let wav = chime_wav();
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        assert_eq!(&wav[36..40], b"data");
        let riff_len = u32::from_le_bytes([wav[4], wav[5], wav[6], wav[7]]) as usize;
        let data_len = u32::from_le_bytes([wav[40], wav[41], wav[42], wav[43]]) as usize;
        assert_eq!(riff_len, wav.len() - 8);
        assert_eq!(data_len, wav.len() - 44);
        assert_eq!(data_len, 22_050 * 2 / 5 * 2, "0.4 s of 16-bit mono");
        assert!(wav[44..].iter().any(|byte| *byte != 0), "not silent");
        assert_eq!(chime_wav(), wav, "deterministic");
    }
}
