#!/usr/bin/env python3
"""The demo's stand-in for www.googleapis.com: HTTPS on ADDRESS:443 with a certificate from the
demo CA, answering the Books API's volumes query (GET /books/v1/volumes?q=isbn:N) with one fixed
book, as Google answers Bookinfo's details service. Logs one line per request on stderr.
Usage: books_api.py ADDRESS CERT KEY"""
import json
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

BOOK = {"kind": "books#volume", "volumeInfo": {
    "title": "The Comedy of Errors", "authors": ["William Shakespeare"], "publisher": "Dover Publications",
    "publishedDate": "2002", "printType": "BOOK", "pageCount": 80, "language": "en",
    "industryIdentifiers": [{"type": "ISBN_10", "identifier": "0486424618"},
                            {"type": "ISBN_13", "identifier": "9780486424613"}]}}


class Books(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlsplit(self.path)
        if url.path != "/books/v1/volumes":
            self.send_error(404)
            return
        isbn = parse_qs(url.query).get("q", [""])[0].removeprefix("isbn:")
        found = [BOOK] if isbn in ("0486424618", "9780486424613") else []
        data = json.dumps({"kind": "books#volumes", "totalItems": len(found), "items": found}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        sys.stderr.write("books-api: %s %s\n" % (self.client_address[0], fmt % args))
        sys.stderr.flush()


if __name__ == "__main__":
    address, cert, key = sys.argv[1:4]
    server = ThreadingHTTPServer((address, 443), Books)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(cert, key)
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.serve_forever()
