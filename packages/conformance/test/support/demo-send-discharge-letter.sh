#!/bin/sh
# The repository's demo clients as an LPS for send-discharge-letter: OpenLDAP's ldapsearch (with the
# directory's limits), `mss psc token` (CIBA), `mss xdm build`, then scripts/demo/send.py and read.py
# (Python's smtplib and imaplib). Run by `mss conformance --run`, which sets MSS_ENVIRONMENT.
set -eu
REPO=$(cd "$(dirname "$0")/../../../.." && pwd)
NODE="$REPO/node_modules/.bin/node"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
field() { python3 -c "import json,sys; print(json.load(open('$MSS_ENVIRONMENT'))['$1'])"; }
hostport() { python3 -c "from urllib.parse import urlsplit; u=urlsplit('$1'); print(f'{u.hostname}:{u.port}')"; }
field ca > "$WORK/ca.pem"
PSC=$(python3 -c "from urllib.parse import urlsplit; u=urlsplit('$(field pscIssuer)'); print(f'{u.scheme}://{u.netloc}')")
ME=paul.martin@operateur-a.mssante.fr

TO=$(ldapsearch -x -LLL -H "$(field ldap)" -b ou=bal,o=mssante,c=fr -z 100 -l 60 '(&(sn=Lambert)(givenName=Anne)(typeBAL=PER))' mail | sed -n 's/^mail: //p' | head -1)
echo "directory: $TO"
TOKEN=$("$NODE" "$REPO/apps/cli/bin/mss.js" psc token --idnat 810000001056 --psc "$PSC" --binding-message 'Lettre de liaison')
"$NODE" "$REPO/apps/cli/bin/mss.js" xdm build --cda "$REPO/packages/xdm/samples/lettre-de-liaison-11490-0.xml" --out "$WORK/IHE_XDM.ZIP" > /dev/null
python3 "$REPO/scripts/demo/send.py" --smtp "$(hostport "$(field smtp)")" --ca "$WORK/ca.pem" --token "$TOKEN" --user "$ME" --to "$TO" \
  --subject 'Lettre de liaison' --header 'X-MSS-CODECDA: 11490-0' --header 'X-MSS-INS: O' --header 'X-MSS-NIL: DEV935997' --attach "$WORK/IHE_XDM.ZIP"
python3 "$REPO/scripts/demo/read.py" --imap "$(hostport "$(field imap)")" --ca "$WORK/ca.pem" --token "$TOKEN" --user "$ME" \
  --subject 'Re: Lettre de liaison' --wait 60
