//! The offer chime: two short sine tones through Web Audio, no audio file to download.
//! `window.__parlorSound = {played, ctx}` lets tests see a tone actually started.

use std::cell::RefCell;

use wasm_bindgen::JsValue;
use web_sys::{AudioContext, AudioContextState, OscillatorType};

use crate::dom::window;
use crate::error::InboxError;

thread_local! {
    static CTX: RefCell<Option<AudioContext>> = const { RefCell::new(None) };
}

fn handle() -> Result<JsValue, InboxError> {
    let win = window()?;
    let key = JsValue::from_str("__parlorSound");
    let h = js_sys::Reflect::get(&win, &key)?;
    if h.is_object() {
        return Ok(h);
    }
    let h: JsValue = js_sys::Object::new().into();
    js_sys::Reflect::set(&h, &JsValue::from_str("played"), &JsValue::from_f64(0.0))?;
    js_sys::Reflect::set(&win, &key, &h)?;
    Ok(h)
}

/// The page's audio context, created on first use (call from a click so the browser lets it run).
fn context() -> Result<AudioContext, InboxError> {
    if let Some(c) = CTX.with(|c| c.borrow().clone()) {
        return Ok(c);
    }
    let c = AudioContext::new()?;
    js_sys::Reflect::set(&handle()?, &JsValue::from_str("ctx"), &c)?;
    CTX.with(|slot| *slot.borrow_mut() = Some(c.clone()));
    Ok(c)
}

/// Creates or resumes the context; call from a user gesture (sign-in, Enable, any click).
pub fn unlock() {
    if let Ok(c) = context() {
        if c.state() == AudioContextState::Suspended {
            let _ = c.resume();
        }
    }
}

/// Plays the chime once the context runs, and counts it.
pub fn chime() -> Result<(), InboxError> {
    let c = context()?;
    let resumed = c.resume()?;
    wasm_bindgen_futures::spawn_local(async move {
        if wasm_bindgen_futures::JsFuture::from(resumed).await.is_ok() {
            if let Err(e) = tones(&c) {
                crate::error::log(&e);
            }
        }
    });
    Ok(())
}

fn tones(c: &AudioContext) -> Result<(), InboxError> {
    let t0 = c.current_time();
    for (i, freq) in [880.0f32, 1320.0].into_iter().enumerate() {
        let start = t0 + 0.18 * i as f64;
        let osc = c.create_oscillator()?;
        osc.set_type(OscillatorType::Sine);
        osc.frequency().set_value(freq);
        let gain = c.create_gain()?;
        gain.gain().set_value_at_time(0.0001, start)?;
        gain.gain()
            .exponential_ramp_to_value_at_time(0.25, start + 0.02)?;
        gain.gain()
            .exponential_ramp_to_value_at_time(0.0001, start + 0.16)?;
        osc.connect_with_audio_node(&gain)?;
        gain.connect_with_audio_node(&c.destination())?;
        osc.start_with_when(start)?;
        osc.stop_with_when(start + 0.17)?;
    }
    let h = handle()?;
    let key = JsValue::from_str("played");
    let n = js_sys::Reflect::get(&h, &key)?.as_f64().unwrap_or(0.0);
    js_sys::Reflect::set(&h, &key, &JsValue::from_f64(n + 1.0))?;
    Ok(())
}
