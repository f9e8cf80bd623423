// report.html's stylesheet, inline so that the page opens offline. Colours are variables:
// one set for light, one for dark (prefers-color-scheme), and light again on paper. Every
// coloured state also has a symbol and a word, so colour is never the only signal.
#include "reports/html_parts.h"

namespace nsm::reports::html {

std::string_view stylesheet() {
  return R"CSS(:root{
  --bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--band:#f0f4f9;--accent:#0969da;
  --ok-fg:#116329;--ok-bg:#dafbe1;--bad-fg:#a40e26;--bad-bg:#ffebe9;--warn-fg:#7a4b00;--warn-bg:#fff4c2;
  --skip-fg:#59636e;--skip-bg:#eef1f4;--brk-fg:#6639ba;--brk-bg:#f6edff;--leak-fg:#953800;--leak-bg:#ffeedd;
  --news-fg:#0550ae;--news-bg:#ddf4ff;--none-fg:#8c959f;--differs:#d4a72c;
  --native:#0969da;--kvm:#1a7f6e;--tcg:#8250df;
  color-scheme:light dark}
@media (prefers-color-scheme:dark){:root{
  --bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--soft:#151b23;--band:#111823;--accent:#4493f8;
  --ok-fg:#6fdd8b;--ok-bg:#12301d;--bad-fg:#ff8e86;--bad-bg:#42191c;--warn-fg:#eac54f;--warn-bg:#3b300c;
  --skip-fg:#9198a1;--skip-bg:#1d232b;--brk-fg:#d2a8ff;--brk-bg:#2d1d47;--leak-fg:#ffa657;--leak-bg:#3d2411;
  --news-fg:#79c0ff;--news-bg:#0d2d4d;--none-fg:#6e7681;--differs:#bb8009;
  --native:#4493f8;--kvm:#3fb9a2;--tcg:#a371f7}}
@media print{:root{
  --bg:#fff;--fg:#000;--muted:#444;--line:#bbb;--soft:#f4f4f4;--band:#fff;--accent:#000;
  --ok-fg:#116329;--ok-bg:#e6f6ea;--bad-fg:#a40e26;--bad-bg:#fde8e8;--warn-fg:#7a4b00;--warn-bg:#fff6d6;
  --skip-fg:#444;--skip-bg:#f0f0f0;--brk-fg:#6639ba;--brk-bg:#f3ecfb;--leak-fg:#953800;--leak-bg:#fdeee0;
  --news-fg:#0550ae;--news-bg:#e3f2fd;--none-fg:#777}}
*{box-sizing:border-box}
html{background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
body{margin:0}
code,pre{font-family:ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.86em}
a{color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px;border-radius:3px}
.skip{position:absolute;left:-999px;top:0;background:var(--bg);padding:.5rem 1rem;z-index:9}
.skip:focus{left:1rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
.muted{color:var(--muted)}
.top{background:var(--band);border-bottom:1px solid var(--line);padding:1.4rem 2rem 1.2rem}
.brand{margin:0;font-weight:700;letter-spacing:.04em;color:var(--accent);text-transform:uppercase;font-size:.78rem}
.brand span{color:var(--muted);font-weight:500}
h1{margin:.2rem 0 .3rem;font-size:1.75rem;line-height:1.2}
.meta{margin:0 0 1rem;color:var(--muted);font-size:.9rem}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));gap:.75rem;max-width:72rem}
.tile{background:var(--bg);border:1px solid var(--line);border-left:5px solid var(--line);border-radius:8px;padding:.6rem .9rem;display:flex;flex-direction:column}
.tile .num{font-size:1.7rem;font-weight:700;line-height:1.1;font-variant-numeric:tabular-nums}
.tile .lbl{font-weight:600}
.tile .det{color:var(--muted);font-size:.82rem}
.tile.good{border-left-color:var(--ok-fg)}.tile.bad{border-left-color:var(--bad-fg)}
.tile.warn{border-left-color:var(--warn-fg)}.tile.leak{border-left-color:var(--leak-fg)}.tile.news{border-left-color:var(--news-fg)}
.toc{position:sticky;top:0;z-index:5;display:flex;flex-wrap:wrap;gap:.2rem 1.2rem;padding:.55rem 2rem;background:var(--bg);border-bottom:1px solid var(--line);font-weight:600;font-size:.92rem}
.toc a{text-decoration:none}.toc a:hover{text-decoration:underline}
main{padding:0 2rem 2rem}
section{margin-top:2.2rem;scroll-margin-top:3rem}
h2{font-size:1.35rem;margin:0 0 .3rem;padding-bottom:.25rem;border-bottom:2px solid var(--line)}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
.lede{max-width:52rem;margin:.3rem 0 .9rem;color:var(--muted)}
.empty{color:var(--muted);font-style:italic}
.alert{border:1px solid var(--brk-fg);background:var(--brk-bg);border-radius:8px;padding:.8rem 1.1rem}
.alert h2{border:0;color:var(--brk-fg)}
.alert li{margin:.2rem 0;word-break:break-word}
.legend{margin-top:1rem;font-size:.88rem}
.legend summary{cursor:pointer;font-weight:600;color:var(--muted)}
.legend ul{display:flex;flex-wrap:wrap;gap:.4rem 1.4rem;list-style:none;padding:.4rem 0 0;margin:0}
.scroll{overflow-x:auto;max-width:100%;border:1px solid var(--line);border-radius:8px;background:var(--bg)}
.scroll+.scroll{margin-top:1rem}
table.matrix{border-collapse:separate;border-spacing:3px;font-size:.9rem}
.matrix thead th{vertical-align:bottom;text-align:center;font-weight:600;padding:.4rem .35rem .3rem}
.matrix th.kcol{min-width:7.2rem;max-width:10rem}
.kcol a{display:block;font-size:.88rem;overflow-wrap:break-word}
.kcol .rel{display:block;font-weight:400;color:var(--muted);font-size:.72rem;overflow-wrap:break-word}
.lack{display:inline-block;font-size:.72rem;font-weight:700;border-radius:4px;padding:0 .3rem;margin:.15rem .1rem 0;color:var(--bad-fg);background:var(--bad-bg);box-shadow:inset 0 0 0 1px var(--bad-fg);white-space:nowrap}
.badge{display:inline-block;font-size:.68rem;font-weight:700;border-radius:999px;padding:.05rem .45rem;margin:.15rem .1rem 0;color:#fff;background:var(--native);white-space:nowrap}
.badge.accel-kvm{background:var(--kvm)}.badge.accel-tcg{background:var(--tcg)}
.st{display:inline-block;font-size:.72rem;font-weight:700;border-radius:4px;padding:0 .3rem;margin-top:.15rem;color:var(--bad-fg);background:var(--bad-bg)}
.st.st-ok{color:var(--ok-fg);background:var(--ok-bg)}
.st.st-infra-error{color:var(--brk-fg);background:var(--brk-bg)}
.matrix .corner,.matrix th.rowh{position:sticky;left:0;z-index:2;background:var(--bg);text-align:left}
.matrix th.rowh{font-weight:400;min-width:18rem;max-width:24rem;padding:.35rem .6rem .35rem .5rem;border-left:4px solid transparent;vertical-align:top}
.rowh .name{font-weight:700;font-size:1rem;overflow-wrap:anywhere}
.rowh .flag,.rowh .id{color:var(--muted);font-size:.76rem}
.rowh .id{display:block}
.rowh .refs{display:block;color:var(--muted);font-size:.72rem;overflow-wrap:anywhere}
.rowh .title{font-weight:500}
.rowh .sub{display:block;color:var(--muted);font-size:.78rem}
.rowh .since{white-space:nowrap}
.rowh .differs-badge{margin-left:.4rem}
.matrix.checks th.rowh{min-width:21rem}
.dense .matrix.checks th.rowh{min-width:24rem;max-width:28rem}
tr.row-differs th.rowh{border-left-color:var(--differs);background:linear-gradient(90deg,var(--warn-bg),var(--bg) 70%)}
.differs-badge{display:inline-block;font-size:.72rem;font-weight:700;color:var(--warn-fg);background:var(--warn-bg);border-radius:4px;padding:0 .35rem;white-space:nowrap}
tr.group th{position:sticky;left:0;text-align:left;font-size:.8rem;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);padding:.9rem .5rem .2rem;background:var(--bg)}
tr.group .muted{text-transform:none;letter-spacing:0;font-weight:400}
tr.group .gcount{text-transform:none;letter-spacing:0;font-weight:400;color:var(--muted);margin-left:.6rem;font-style:italic}
.fold-toggle{margin:1rem 0 .4rem;font-size:.92rem}
.fold-toggle label{font-weight:600;cursor:pointer}
.fold-toggle input{width:1rem;height:1rem;vertical-align:-.15rem;margin:0 .3rem 0 0;accent-color:var(--accent)}
section:has(.fold-toggle input:not(:checked)) tr.uniform{display:none}
details.skips{margin:1rem 0}
details.skips summary{cursor:pointer;font-weight:600}
table.reasons{border-collapse:collapse;margin:.4rem 0;font-size:.86rem}
table.reasons th,table.reasons td{border-bottom:1px solid var(--line);padding:.3rem .6rem;text-align:left;vertical-align:top}
table.reasons thead th{color:var(--muted);font-weight:600}
table.reasons td.num{text-align:right;font-variant-numeric:tabular-nums}
table.reasons td.num{font-weight:700;color:var(--skip-fg)}
table.reasons td.why-text{max-width:46rem}
td.c{position:relative;text-align:center;vertical-align:top;border-radius:5px;padding:.3rem .25rem;min-width:6.4rem}
td.c summary{list-style:none;cursor:pointer;border-radius:4px}
td.c summary::-webkit-details-marker{display:none}
td.c summary::after{content:"\25BE";position:absolute;top:.2rem;right:.3rem;font-size:.65rem;opacity:.6}
td.c details[open] summary::after{content:"\25B4"}
.sym{font-size:1.1rem;font-weight:700;line-height:1.2}
.word{display:block;font-size:.7rem;font-weight:600;line-height:1.1;opacity:.95}
.ev{text-align:left;font-size:.78rem;margin-top:.35rem;padding:.4rem .5rem;background:var(--bg);color:var(--fg);border:1px solid var(--line);border-radius:6px;min-width:15rem;max-width:22rem}
.ev p{margin:0 0 .3rem}.ev .why{font-weight:600}
.ev dl{display:grid;grid-template-columns:auto 1fr;gap:.1rem .5rem;margin:0}
.ev dt{color:var(--muted)}.ev dd{margin:0;word-break:break-word}
.ev pre{white-space:pre-wrap;word-break:break-word;max-height:18rem;overflow:auto;background:var(--soft);padding:.4rem;border-radius:4px;margin:.2rem 0}
.v-supported,.o-pass{background:var(--ok-bg);color:var(--ok-fg)}
.v-unsupported,.v-faulty,.o-fail{background:var(--bad-bg);color:var(--bad-fg)}
.v-restricted{background:var(--warn-bg);color:var(--warn-fg)}
.o-skip{background:var(--skip-bg);color:var(--skip-fg)}
.o-broken{background:var(--brk-bg);color:var(--brk-fg)}
.o-gap-confirmed{background:var(--leak-bg);color:var(--leak-fg)}
.o-gap-closed{background:var(--news-bg);color:var(--news-fg);box-shadow:inset 0 0 0 2px var(--news-fg)}
td.o-fail,td.v-unsupported,td.v-faulty{box-shadow:inset 0 0 0 2px var(--bad-fg)}
td.none{background:repeating-linear-gradient(135deg,var(--soft) 0 5px,transparent 5px 10px);color:var(--none-fg)}
td.none .word{font-weight:400}
.chip{display:inline-block;border-radius:999px;padding:0 .5rem;font-size:.8rem;font-weight:600;white-space:nowrap}
.chip.none{background:var(--soft);color:var(--none-fg)}
tbody.counts td{text-align:center;font-variant-numeric:tabular-nums;padding:.1rem .4rem}
tbody.counts th.rowh{padding-top:.1rem;padding-bottom:.1rem}
tbody.counts tr:last-child>*{padding-bottom:.5rem;border-bottom:2px solid var(--line)}
tbody.counts tr.share th{color:var(--muted);font-size:.8rem}
td.num.zero{color:var(--none-fg)}
td.num.loud{font-weight:700;border-radius:5px}
.stack{display:flex;height:.7rem;min-width:6rem;border-radius:3px;overflow:hidden;background:var(--soft)}
.stack span{display:block;border-right:1px solid var(--bg)}
.stack .o-pass{background:var(--ok-fg)}.stack .o-fail{background:var(--bad-fg)}.stack .o-skip{background:var(--skip-fg);opacity:.5}
.stack .o-broken{background:var(--brk-fg)}.stack .o-gap-confirmed{background:var(--leak-fg)}.stack .o-gap-closed{background:var(--news-fg)}
.leaks{list-style:none;padding:0;margin:0 0 .8rem;display:flex;flex-wrap:wrap;gap:.4rem 1.5rem}
.leaks a{font-weight:600;margin-right:.2rem}
table.costs td.m{text-align:right;vertical-align:top;padding:.3rem .5rem;background:var(--soft);border-radius:5px;font-variant-numeric:tabular-nums;white-space:nowrap}
td.m .val{font-weight:700}td.m .sd{color:var(--muted);font-size:.82rem}
.chg{font-size:.8rem}.chg.same,.chg.base{color:var(--muted)}
.chg.worse{color:var(--bad-fg);font-weight:700}.chg.better{color:var(--ok-fg);font-weight:700}
.chg .tag{font-size:.68rem;text-transform:uppercase;letter-spacing:.04em}
.figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(40rem,1fr));gap:1rem;margin-top:1rem}
.costfig{margin:0;border:1px solid var(--line);border-radius:8px;padding:.7rem .9rem;break-inside:avoid}
.costfig figcaption code{color:var(--muted);font-size:.76rem}
.costfig .sub{display:block;color:var(--muted);font-size:.8rem}
.accel-group p{margin:.5rem 0 .2rem;font-size:.82rem}
svg.chart{max-width:100%;height:auto;font:12px system-ui,"DejaVu Sans",sans-serif}
svg.chart .grid{stroke:var(--line);stroke-width:1}
svg.chart .tick,svg.chart .label,svg.chart .value{fill:var(--fg)}
svg.chart .tick{fill:var(--muted);font-size:11px}
svg.chart .bar{fill:var(--native);opacity:.85}
.g-kvm svg.chart .bar{fill:var(--kvm)}
.g-tcg svg.chart .bar{fill:var(--tcg)}
svg.chart .whisker{stroke:var(--fg);stroke-width:1.5;fill:none}
ul.plain{padding-left:1.1rem}ul.plain li{margin:.3rem 0}
.pair{border:1px solid var(--line);border-radius:8px;margin:.5rem 0;padding:.4rem .8rem}
.pair summary{cursor:pointer;padding:.2rem 0}
.pair.same summary{color:var(--muted)}
.pair .count{display:inline-block;font-weight:700;color:var(--warn-fg);background:var(--warn-bg);border-radius:4px;padding:0 .4rem}
table.diff{border-collapse:collapse;margin:.4rem 0;font-size:.9rem}
table.diff th,table.diff td{border-bottom:1px solid var(--line);padding:.3rem .7rem;text-align:left}
table.diff thead th{color:var(--muted);font-weight:600}
table.diff th[scope=row]{font-weight:400}
.kcards{display:grid;grid-template-columns:repeat(auto-fill,minmax(24rem,1fr));gap:1rem}
.kcard{border:1px solid var(--line);border-top:5px solid var(--ok-fg);border-radius:8px;padding:.7rem 1rem;scroll-margin-top:3rem;break-inside:avoid}
.kcard:not(.st-ok){border-top-color:var(--bad-fg)}
.kcard.st-infra-error{border-top-color:var(--brk-fg)}
.kcard h3{margin:.1rem 0 .4rem;word-break:break-word}
.kcard .reason{margin:.2rem 0 .5rem;font-weight:600;color:var(--bad-fg)}
.kcard.st-infra-error .reason{color:var(--brk-fg)}
.kcard .problems{padding-left:1.1rem;font-size:.85rem;color:var(--brk-fg)}
.facts{display:grid;grid-template-columns:auto 1fr;gap:.15rem .8rem;margin:0;font-size:.88rem}
.facts dt{color:var(--muted)}.facts dd{margin:0;word-break:break-word}
.console .tail{display:flex;flex-direction:column-reverse;max-height:22rem;overflow:auto;background:var(--soft);border-radius:6px}
.console pre{white-space:pre-wrap;word-break:break-all;margin:0;padding:.5rem;font-size:.78rem}
.console summary,.splats summary{cursor:pointer;font-weight:600;margin-top:.5rem}
footer{padding:1.5rem 2rem;color:var(--muted);font-size:.82rem;border-top:1px solid var(--line)}
.dense .matrix th.kcol{min-width:5.7rem;max-width:7rem}
.dense .kcol a{font-size:.8rem}
.dense td.c{min-width:5.5rem}
.print-why{display:none}
@media (max-width:700px){.top,main,.toc,footer{padding-left:1rem;padding-right:1rem}.figs{grid-template-columns:1fr}}
@media print{
  html{font-size:10pt}
  .toc,.skip,.legend{display:none}
  .top{background:none;padding:0 0 .6rem}
  main,footer{padding:0}
  .scroll{overflow:visible;border:0}
  td.c summary::after{content:none}
  .print-why{display:block;font-size:7pt;font-weight:400;max-width:9rem;margin:0 auto}
  tr,.kcard,.costfig,.pair{break-inside:avoid}
  h2{break-after:avoid}
  a{color:inherit;text-decoration:none}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
  @page{size:A4 landscape;margin:12mm}}
)CSS";
}

}  // namespace nsm::reports::html
