#!/usr/bin/env python3
"""Adds lock entries for optional platform packages the registry here does not serve.

npm install skips an optional dependency it cannot fetch and leaves it out of the lock, and then
npm ci refuses the lock as out of sync. An entry that names the package's os/cpu/libc is enough:
npm ci sees the lock complete and, on a platform that does not match, never fetches it.
"""
import json, re, sys
path = sys.argv[1] if len(sys.argv) > 1 else "package-lock.json"
lock = json.load(open(path))
pk = lock['packages']
OS = {'windows': 'win32'}
CPU = {'64': 'x64', 'arm': 'arm'}
def platform(name):
    base = name.split('/')[-1]
    base = re.sub(r'^(cli-|rollup-)', '', base)
    parts = base.split('-')
    os_ = OS.get(parts[0], parts[0])
    cpu = CPU.get(parts[1], parts[1])
    abi = parts[2] if len(parts) > 2 else None
    entry = {'cpu': [cpu], 'os': [os_]}
    if abi and 'musl' in abi: entry['libc'] = ['musl']
    elif abi in ('gnu', 'gnueabihf') and os_ == 'linux': entry['libc'] = ['glibc']
    return entry
added = []
for key, value in list(pk.items()):
    for dep, version in (value.get('optionalDependencies') or {}).items():
        nested = f'{key}/node_modules/{dep}' if key else f'node_modules/{dep}'
        if nested in pk or f'node_modules/{dep}' in pk: continue
        entry = {'version': version, 'dev': value.get('dev', False), 'optional': True, **platform(dep)}
        if not entry['dev']: del entry['dev']
        pk[f'node_modules/{dep}'] = entry
        added.append((dep, entry))

json.dump(lock, open(path, 'w'), indent=2)
open(path, 'a').write('\n')
for dep, entry in added: print(dep, entry)
