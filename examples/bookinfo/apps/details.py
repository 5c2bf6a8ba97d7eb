#!/usr/bin/env python3
"""Bookinfo's details service, reduced: GET /details/0 looks the book up in the Google Books API
over HTTPS, as the sample does with ENABLE_EXTERNAL_BOOK_SERVICE=true. BOOKS_CA is the CA to trust
(the demo's stand-in for www.googleapis.com). Standard library only. Listens on 0.0.0.0:9080."""
import json
import os
import ssl
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ISBN = "0486424618"
URL = "https://www.googleapis.com/books/v1/volumes?q=isbn:" + ISBN
CONTEXT = ssl.create_default_context(cafile=os.environ.get("BOOKS_CA"))
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=CONTEXT))


def book():
    with OPENER.open(URL, timeout=10) as response:
        info = json.load(response)["items"][0]["volumeInfo"]
    ids = {i["type"]: i["identifier"] for i in info["industryIdentifiers"]}
    return {"id": 0, "author": info["authors"][0], "year": info["publishedDate"],
            "type": "paperback" if info["printType"] == "BOOK" else "unknown", "pages": info["pageCount"],
            "publisher": info["publisher"], "language": "English" if info["language"] == "en" else "unknown",
            "ISBN-10": ids["ISBN_10"], "ISBN-13": ids["ISBN_13"]}


class Details(BaseHTTPRequestHandler):
    def do_GET(self):
        try:
            status, body = 200, book()
        except (OSError, ValueError, KeyError) as e:
            status, body = 503, {"error": f"GET {URL}: {e}"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", 9080), Details).serve_forever()
