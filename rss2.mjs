const mods = process.argv.slice(2);
for (const m of mods) await import(m);
setTimeout(async () => { const fs = await import('node:fs'); const s = fs.readFileSync('/proc/self/status','utf8'); console.log(process.env.LABEL, s.split('\n').filter(l=>/Rss|VmRSS/.test(l)).map(l=>l.replace(/\s+/g,' ')).join(' | ')); }, 8000);
