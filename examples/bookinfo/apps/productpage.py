#!/usr/bin/env python3
"""Bookinfo's productpage, reduced to what the egress articles look at: one HTML page built from
the details, ratings and cart services, with the sample's own words when one of them fails.
Standard library only. Listens on 0.0.0.0:9080; GET /productpage."""
import html
import json
import os
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DETAILS = os.environ.get("DETAILS_URL", "http://details:9080/details/0")
RATINGS = os.environ.get("RATINGS_URL", "http://ratings:9080/ratings/0")
CART = os.environ.get("CART_URL", "http://cart:9080/cart")
# The services are in the mesh: never through an HTTP proxy from the environment.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
REVIEWS = [("Reviewer1", "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!"),
           ("Reviewer2", "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare.")]


def fetch(url):
    """The JSON a service answered, or (None, why) when it failed."""
    try:
        with OPENER.open(url, timeout=15) as response:
            return json.load(response), None
    except urllib.error.HTTPError as e:
        try:
            return None, json.load(e).get("error", str(e))
        except ValueError:
            return None, str(e)
    except (OSError, ValueError) as e:
        return None, str(e)


def details_html():
    details, why = fetch(DETAILS)
    if details is None:
        return ("<h4>Error fetching product details!</h4>\n"
                "<p>Sorry, product details are currently unavailable for this book.</p>\n"
                f"<p><small>details: {html.escape(why)}</small></p>")
    rows = "".join(f"<dt>{html.escape(k)}:</dt><dd>{html.escape(str(details[f]))}</dd>\n" for k, f in (
        ("Author", "author"), ("Year", "year"), ("Type", "type"), ("Pages", "pages"), ("Publisher", "publisher"),
        ("Language", "language"), ("ISBN-10", "ISBN-10"), ("ISBN-13", "ISBN-13")))
    return f"<h4>Book Details</h4>\n<dl>\n{rows}</dl>"


def reviews_html():
    ratings, why = fetch(RATINGS)
    out = ["<h4>Book Reviews</h4>"]
    for reviewer, text in REVIEWS:
        if ratings is None:
            stars = "Ratings service is currently unavailable"
        else:
            n = int(ratings["ratings"].get(reviewer, 0))
            stars = "★" * n + "☆" * (5 - n)
        out.append(f"<blockquote><p>{html.escape(text)}</p><small>{reviewer}</small> "
                   f"<span class=\"stars\">{stars}</span></blockquote>")
    if ratings is None:
        out.append(f"<p><small>ratings: {html.escape(why)}</small></p>")
    else:
        out.append(f"<p><small>ratings from {html.escape(ratings['source'])}</small></p>")
    return "\n".join(out)


def cart_html():
    cart, why = fetch(CART)
    if cart is None:
        return ("<h4>Cart</h4>\n<p>Cart service is currently unavailable</p>\n"
                f"<p><small>cart: {html.escape(why)}</small></p>")
    items = "".join(f"<li>{html.escape(i)}</li>" for i in cart["items"]) or "<li>(empty)</li>"
    return f"<h4>Cart</h4>\n<ul>{items}</ul>"


class Page(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path.split("?")[0] != "/productpage":
            self.send_error(404)
            return
        body = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Simple Bookstore App</title></head>\n"
                "<body>\n<h1>The Comedy of Errors</h1>\n"
                "<p>Summary: Wikipedia Summary: The Comedy of Errors is one of William Shakespeare's early plays.</p>\n"
                f"{details_html()}\n{reviews_html()}\n{cart_html()}\n</body></html>\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("0.0.0.0", 9080), Page).serve_forever()
