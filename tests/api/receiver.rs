//! A webhook receiver the test starts, on loopback only (127.0.0.1, a free port): it records
//! every request it is sent (its headers and body) and answers as the test scripts it (a status,
//! or no answer for a while). Tests register only its loopback URL: nothing is ever sent off
//! this machine.

use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A request as the receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    /// Header names lowercased.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    pub target: String,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map_or_else(|| panic!("no {name} in {:?}", self.headers), String::as_str)
    }
}

/// How the receiver answers the next request.
#[derive(Debug, Clone, Copy)]
pub enum Reply {
    Status(u16),
    /// No answer for this long, then 200.
    Hang(Duration),
}

pub struct Receiver {
    /// `http://127.0.0.1:{port}/hooks`.
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    /// Requests whose headers arrived (before any answer).
    started: Arc<Mutex<usize>>,
}

impl Receiver {
    /// Answers 200 to everything not scripted.
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::new()));
        let started = Arc::new(Mutex::new(0));
        let (r, s, st) = (received.clone(), script.clone(), started.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let (r, s, st) = (r.clone(), s.clone(), st.clone());
                std::thread::spawn(move || serve(stream, &r, &s, &st));
            }
        });
        Receiver {
            url,
            received,
            script,
            started,
        }
    }

    /// Answers the next requests so, in order.
    pub fn script(&self, replies: &[Reply]) {
        self.script.lock().unwrap().extend(replies.iter().copied());
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn started(&self) -> usize {
        *self.started.lock().unwrap()
    }

    /// Waits (up to `within`) until `n` requests were received whole; returns them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let until = Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < until,
                "expected {n} requests, got {}: {got:?}",
                got.len()
            );
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn serve(
    mut stream: TcpStream,
    received: &Mutex<Vec<Received>>,
    script: &Mutex<VecDeque<Reply>>,
    started: &Mutex<usize>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let target = lines
        .next()
        .unwrap_or_default()
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    *started.lock().unwrap() += 1;
    let reply = script.lock().unwrap().pop_front();
    let status = match reply {
        Some(Reply::Hang(wait)) => {
            std::thread::sleep(wait);
            200
        }
        Some(Reply::Status(s)) => s,
        None => 200,
    };
    // Recorded once answered (a hung request the sender gave up on still counts as received).
    received.lock().unwrap().push(Received {
        headers,
        body,
        target,
    });
    let _ = stream.write_all(
        format!("HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno")
            .as_bytes(),
    );
}
