#!/usr/bin/env python3
"""Derive the istio-validation corpus from Istio's validation_test.go tables.

Reads Go composite literals (the test tables are data: proto messages written as Go literals),
turns each case into a whole resource as YAML-ready data, and writes one YAML file per Istio test
function: a list of {test, name, valid, resource}. Cases that use Go helpers this reader does not
evaluate are counted as skipped, never guessed.

Usage: { git -C ISTIO show HEAD:pkg/config/validation/validation_test.go;
         git -C ISTIO show HEAD:pkg/config/validation/virtualservice_test.go; } | \
         scripts/istio-validation-corpus.py OUTDIR
"""
import json, re, sys

SRC = sys.stdin.read()
OUT = sys.argv[1]

TOKEN = re.compile(r'''\s+|//[^\n]*|/\*.*?\*/|(?P<s>"(?:\\.|[^"\\])*")|(?P<r>`[^`]*`)|(?P<n>-?\d+(?:\.\d+)?(?:e-?\d+)?)|(?P<i>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)|(?P<p>\[\]|[{}()\[\],:&*+/\-])''', re.S)

class Skip(Exception):
    pass

def tokens(text):
    out = []
    pos = 0
    while pos < len(text):
        m = TOKEN.match(text, pos)
        if not m:
            raise Skip("cannot tokenize at " + text[pos:pos + 20])
        pos = m.end()
        for kind in 'srnip':
            if m.group(kind) is not None:
                out.append((kind, m.group(kind)))
    return out

NANOS = {'time.Nanosecond': 1, 'time.Microsecond': 1000, 'time.Millisecond': 10**6,
         'time.Second': 10**9, 'time.Minute': 60 * 10**9, 'time.Hour': 3600 * 10**9}

class Dur(int):
    pass

def dur_text(n):
    n = int(n)
    if n % 10**9 == 0:
        return f"{n // 10**9}s"
    return f"{n / 10**9:.9f}".rstrip('0') + "s"

class Parser:
    def __init__(self, toks, env):
        self.t = toks
        self.i = 0
        self.env = env

    def peek(self, k=0):
        return self.t[self.i + k] if self.i + k < len(self.t) else ('eof', '')

    def take(self, val=None):
        tok = self.peek()
        if val is not None and tok[1] != val:
            raise Skip(f"expected {val} got {tok}")
        self.i += 1
        return tok

    def expr(self):
        left = self.unary()
        while self.peek()[1] in ('+', '*', '/', '-') and self.peek()[0] == 'p':
            op = self.take()[1]
            right = self.unary()
            if isinstance(left, str) and isinstance(right, str) and op == '+':
                left = left + right
            elif isinstance(left, (int, float)) and isinstance(right, (int, float)):
                is_dur = isinstance(left, Dur) or isinstance(right, Dur)
                v = {'+': left + right, '-': left - right, '*': left * right,
                     '/': left // right if isinstance(left, int) and isinstance(right, int) else left / right}[op]
                left = Dur(v) if is_dur and op in '+-*' else v
            else:
                raise Skip("arith")
        return left

    def unary(self):
        kind, val = self.peek()
        if val == '&':
            self.take()
            return self.unary()
        if val == '-' and kind == 'p':
            self.take()
            v = self.unary()
            return Dur(-v) if isinstance(v, Dur) else -v
        if val == '(':
            self.take()
            v = self.expr()
            self.take(')')
            return v
        if kind == 's':
            self.take()
            return json.loads(val)
        if kind == 'r':
            self.take()
            return val[1:-1]
        if kind == 'n':
            self.take()
            return float(val) if ('.' in val or 'e' in val) else int(val)
        if val == '{':
            return self.composite(None)
        if val in ('[]', '['):
            return self.typed_composite()
        if kind == 'i':
            if val.startswith('map['):
                return self.typed_composite()
            self.take()
            nxt = self.peek()[1]
            if val == 'map' and nxt == '[':
                self.i -= 1
                return self.typed_composite()
            if nxt == '{':
                return self.composite(val)
            if nxt == '(':
                return self.call(val)
            if nxt == '[' and val in self.env:
                raise Skip("index")
            return self.ident(val)
        raise Skip(f"unexpected {val}")

    def typed_composite(self):
        # []T{...}, []*T{...}, map[K]V{...}
        depth = 0
        while True:
            kind, val = self.take()
            if val == '[':
                depth += 1
            elif val == ']':
                depth -= 1
            elif val == '{' and depth == 0:
                self.i -= 1
                return self.composite('[]')
            if kind == 'eof':
                raise Skip("eof")

    def call(self, name):
        self.take('(')
        args = []
        while self.peek()[1] != ')':
            args.append(self.expr())
            if self.peek()[1] == ',':
                self.take()
        self.take(')')
        if name == 'durationpb.New':
            return {'__dur__': dur_text(args[0])}
        if name == 'strings.Repeat':
            return args[0] * args[1]
        if name in ('int64', 'uint32', 'int32', 'uint64', 'float64', 'float32', 'int', 'time.Duration'):
            return args[0]
        if name in ('wrapperspb.UInt32', 'wrapperspb.Bool', 'wrapperspb.Int32', 'wrapperspb.Int64',
                    'wrapperspb.UInt64', 'wrapperspb.Double', 'wrapperspb.String', 'wrappers.UInt32', 'wrappers.Bool'):
            return args[0]
        if name == 'fmt.Sprintf' and all(isinstance(a, (str, int)) for a in args):
            return args[0].replace('%d', '{}').replace('%s', '{}').format(*args[1:])
        raise Skip("call " + name)

    def ident(self, val):
        if val == 'true':
            return True
        if val == 'false':
            return False
        if val == 'nil':
            return None
        if val in NANOS:
            return Dur(NANOS[val])
        if val in self.env:
            return self.env[val]
        parts = val.split('.')
        if len(parts) == 2 and '_' in parts[1]:
            words = parts[1].split('_')
            tail = []
            for w in reversed(words):
                if w and re.fullmatch(r'[A-Z0-9]+', w):
                    tail.insert(0, w)
                else:
                    break
            if tail:
                return '_'.join(tail)
        raise Skip("identifier " + val)

    def composite(self, typ):
        self.take('{')
        items = []
        keyed = {}
        while self.peek()[1] != '}':
            if self.peek(1)[1] == ':' and self.peek()[0] in ('i', 's', 'n'):
                k = self.take()
                self.take(':')
                key = json.loads(k[1]) if k[0] == 's' else (int(k[1]) if k[0] == 'n' else k[1])
                keyed[key] = self.expr()
            else:
                items.append(self.expr())
            if self.peek()[1] == ',':
                self.take()
        self.take('}')
        if typ == '[]' or (items and not keyed):
            if typ == '[]' and keyed and not items:
                return keyed
            return items
        return message(typ, keyed)

def json_name(go):
    special = {'Consecutive_5XxErrors': 'consecutive5xxErrors'}
    if go in special:
        return special[go]
    return go[0].lower() + go[1:]

def message(typ, fields):
    short = (typ or '').split('.')[-1]
    if typ and typ.startswith(('durationpb.Duration', 'types.Duration')):
        s = fields.get('Seconds', 0)
        n = fields.get('Nanos', 0)
        return {'__dur__': dur_text(s * 10**9 + n)}
    if typ and (typ.startswith('wrapperspb.') or typ.startswith('wrappers.')):
        return fields.get('Value', 0 if 'Bool' not in typ else False)
    if typ and typ.startswith('structpb'):
        raise Skip("structpb")
    out = {}
    for k, v in fields.items():
        if isinstance(k, str) and re.fullmatch(r'[A-Z][A-Za-z0-9_]*', k):
            if v is None:
                continue  # an unset proto field (a nil map value, by contrast, is kept)
            if isinstance(v, dict) and v.get('__oneof__'):
                v = dict(v)
                del v['__oneof__']
                out.update(v)
                continue
            out[json_name(k)] = clean(v)
        else:
            out[k] = clean(v)
    if '_' in short and len(fields) == 1:
        only = next(iter(fields))
        if isinstance(only, str) and short.split('_')[-1] == only:
            out['__oneof__'] = True
    return out

def clean(v):
    if isinstance(v, dict):
        if '__dur__' in v:
            return v['__dur__']
        return {k: clean(x) for k, x in v.items() if k != '__oneof__' or True}
    if isinstance(v, list):
        return [clean(x) for x in v]
    if isinstance(v, Dur):
        return dur_text(v)
    return v

def strip_nulls(v):
    if isinstance(v, dict):
        return {k: strip_nulls(x) for k, x in v.items() if k != '__oneof__'}
    if isinstance(v, list):
        return [strip_nulls(x) for x in v]
    return v

def function_body(name):
    m = re.search(r'^func ' + re.escape(name) + r'\(t \*testing\.T\) \{\n', SRC, re.M)
    end = SRC.index('\n}\n', m.end())
    return SRC[m.end():end]

def table(name):
    body = function_body(name)
    env = {}
    # simple locals like: duration := durationpb.Duration{...}
    for lm in re.finditer(r'^\t(\w+) := (.*)$', body, re.M):
        if lm.group(1) in ('tests', 'testCases', 'cases'):
            break
        try:
            env[lm.group(1)] = Parser(tokens(lm.group(2)), {}).expr()
        except Skip:
            pass
    m = re.search(r'(tests|testCases|cases) := \[\]struct \{(.*?)\n\t\}\{', body, re.S)
    fields = [l.split()[0] for l in m.group(2).strip().splitlines() if l.strip()]
    start = m.end() - 1
    # find the matching close of the table literal
    depth, i = 0, start
    in_str = None
    while True:
        c = body[i]
        if in_str:
            if c == '\\' and in_str == '"':
                i += 2
                continue
            if c == in_str:
                in_str = None
        elif c in '"`':
            in_str = c
        elif c == '/' and body[i + 1] == '/':
            i = body.index('\n', i)
            continue
        elif c == '{':
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0:
                break
        i += 1
    lit = body[start + 1:i]
    # split top-level elements
    elems, depth, cur_start, in_str, j = [], 0, None, None, 0
    while j < len(lit):
        c = lit[j]
        if in_str:
            if c == '\\' and in_str == '"':
                j += 2
                continue
            if c == in_str:
                in_str = None
        elif c in '"`':
            in_str = c
        elif c == '/' and j + 1 < len(lit) and lit[j + 1] == '/':
            j = lit.index('\n', j)
            continue
        elif c == '{':
            if depth == 0:
                cur_start = j
            depth += 1
        elif c == '}':
            depth -= 1
            if depth == 0:
                elems.append(lit[cur_start:j + 1])
        j += 1
    cases, skipped = [], []
    for e in elems:
        try:
            p = Parser(tokens(e), env)
            p.take('{')
            vals = {}
            pos = 0
            while p.peek()[1] != '}':
                if p.peek(1)[1] == ':' and p.peek()[0] == 'i' and p.peek()[1] in fields:
                    k = p.take()[1]
                    p.take(':')
                    vals[k] = p.expr()
                else:
                    vals[fields[pos]] = p.expr()
                    pos += 1
                if p.peek()[1] == ',':
                    p.take()
            cases.append({k: strip_nulls(clean(v)) for k, v in vals.items()})
        except (Skip, Exception) as ex:  # a case this reader cannot evaluate
            nm = re.search(r'"((?:\\.|[^"\\])*)"', e)
            skipped.append((nm.group(1) if nm else e[:40], str(ex)))
    return cases, skipped

def meta(name='foo', namespace='bar', **extra):
    m = {'name': name, 'namespace': namespace}
    m.update(extra)
    return m

def res(kind, spec, group='networking.istio.io', **metaextra):
    return {'apiVersion': group + '/v1', 'kind': kind, 'metadata': meta(**metaextra), 'spec': spec}

def is_kind(spec, keys):
    return isinstance(spec, dict)

def gw_server(server):
    return res('Gateway', {'selector': {'istio': 'egressgateway'}, 'servers': [server]})

def vs_route(route):
    removed = any(v is None or (k == 'fault' and all(x is None for x in v.values())) for k, v in route.items())
    route = {k: v for k, v in route.items() if v is not None and not (k == 'fault' and all(x is None for x in v.values()))}
    if removed and not any(k in route for k in ('route', 'redirect', 'directResponse')):
        route['route'] = dest()
    return res('VirtualService', {'hosts': ['foo.bar'], 'http': [route]})

def dest(host='foo.baz'):
    return [{'destination': {'host': host}}]

def dr_policy(policy):
    return res('DestinationRule', {'host': 'reviews', 'trafficPolicy': policy})

def valid_of(c):
    if 'valid' in c:
        return bool(c['valid'])
    if 'wantErr' in c:
        return not c['wantErr']
    return c.get('out', '') == ''

WRAP = {
    'TestValidateGateway': lambda c: res('Gateway', c['in']) if 'servers' in c['in'] or c['in'] == {} else None,
    'TestValidateServer': lambda c: gw_server(c['in']),
    'TestValidateServerPort': lambda c: gw_server(dict({'hosts': ['foo.bar.com'], 'port': c['in']},
                                                       **({'bind': c['bind']} if c.get('bind') else {}))),
    'TestValidateTlsOptions': lambda c: gw_server({'hosts': ['foo.bar.com'],
                                                   'port': {'number': 443, 'name': 'https', 'protocol': 'HTTPS'},
                                                   'tls': c['in']}),
    'TestValidateVirtualService': lambda c: res('VirtualService', c['in']),
    'TestValidateHTTPRoute': lambda c: vs_route(c['route']),
    'TestValidateHTTPRetry': lambda c: vs_route({'route': dest(), 'retries': c['in']}),
    'TestValidateHTTPRewrite': lambda c: vs_route({'route': dest(), 'rewrite': c['in']}),
    'TestValidateHTTPFaultInjectionAbort': lambda c: vs_route({'route': dest(), 'fault': {'abort': c['in']}}),
    'TestValidateHTTPFaultInjectionDelay': lambda c: vs_route({'route': dest(), 'fault': {'delay': c['in']}}),
    'TestValidateHTTPRedirect': lambda c: vs_route({'redirect': c['redirect']}),
    'TestValidateHTTPDirectResponse': lambda c: vs_route({'directResponse': c['directResponse']}),
    'TestValidateDestination': lambda c: vs_route({'route': [{'destination': c['destination']}]}),
    'TestValidateRouteDestination': lambda c: vs_route({'route': c['routes']}),
    'TestValidateCORSPolicy': lambda c: vs_route({'route': dest(), 'corsPolicy': c['in']}),
    'TestValidateDestinationRule': lambda c: res('DestinationRule', c['in']),
    'TestValidateTrafficPolicy': lambda c: dr_policy(c['in']),
    'TestValidateConnectionPool': lambda c: dr_policy({'connectionPool': c['in']}),
    'TestValidateLoadBalancer': lambda c: dr_policy({'loadBalancer': c['in']}),
    'TestValidateOutlierDetection': lambda c: dr_policy({'outlierDetection': c['in']}),
    'TestValidateServiceEntries': lambda c: res('ServiceEntry', c['in'],
                                                **({'labels': c['labels']} if c.get('labels') else {})),
    'TestValidateAuthorizationPolicy': lambda c: res('AuthorizationPolicy', c['in'], group='security.istio.io',
                                                     **({'annotations': c['annotations']} if c.get('annotations') else {})),
    'Test_validateExportTo': lambda c: export_to(c),
    'TestValidateChainingVirtualService': lambda c: res('VirtualService', c['in']),
    'TestValidateRootHTTPRoute': lambda c: vs_route(c['route']),
    'TestValidateDelegateHTTPRoute': lambda c: res('VirtualService', {'http': [c['route']]}),
    'TestValidateSidecar': lambda c: res('Sidecar', c['in']),
}

def export_to(c):
    ns = c.get('namespace', 'bar')
    spec_export = c.get('exportTo')
    if c.get('isServiceEntry'):
        spec = {'hosts': ['foo.example.com'], 'ports': [{'number': 80, 'name': 'http', 'protocol': 'HTTP'}],
                'resolution': 'DNS'}
    elif c.get('isDestinationRuleWithSelector'):
        spec = {'host': 'foo.example.com', 'workloadSelector': {'matchLabels': {'app': 'foo'}}}
    else:
        spec = {'host': 'foo.example.com'}
    if spec_export is not None:
        spec['exportTo'] = spec_export
    return res('ServiceEntry' if c.get('isServiceEntry') else 'DestinationRule', spec, namespace=ns)

import os, yaml
os.makedirs(OUT, exist_ok=True)
total = 0
for test, wrap in WRAP.items():
    cases, skipped = table(test)
    rows = []
    for c in cases:
        try:
            r = wrap(c)
        except (KeyError, TypeError) as ex:
            skipped.append((c.get('name', '?'), 'wrap ' + str(ex)))
            continue
        if r is None:
            skipped.append((c.get('name', '?'), 'not this kind'))
            continue
        rows.append({'test': test, 'name': c.get('name', ''), 'valid': valid_of(c), 'resource': r})
    total += len(rows)
    with open(os.path.join(OUT, test + '.yaml'), 'w') as f:
        f.write(f"# Derived from istio/istio pkg/config/validation/*_test.go {test}\n")
        f.write(f"# by scripts/istio-validation-corpus.py: {len(rows)} cases, {len(skipped)} skipped\n")
        for s in skipped:
            f.write("#   skipped: " + " ".join(f"{s[0]} ({s[1]})".split()) + "\n")
        yaml.safe_dump(rows, f, sort_keys=False, allow_unicode=True, width=1000)
    print(f"{test}: {len(rows)} cases, {len(skipped)} skipped", file=sys.stderr)
print(f"total {total}", file=sys.stderr)
