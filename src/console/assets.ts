/**
 * The console's one stylesheet and one script, served by the worker (no CDN: the console works
 * offline). Colours are chosen for at least 4.5:1 contrast on their backgrounds; the browser
 * tests measure it. The script only improves forms that work without it: live progress,
 * upload progress, reordering, the template preview.
 */

export const CSS = `
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:16px;color:#1a1a1a;background:#f6f7f9}
body{margin:0;line-height:1.45}
a{color:#0b4fa8}
a:focus,button:focus,input:focus,select:focus,textarea:focus,summary:focus{outline:3px solid #f0a500;outline-offset:2px}
header.top{background:#14213d;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
header.top a{color:#fff}
header.top .brand{font-weight:700;text-decoration:none;margin-right:.5rem}
header.top nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem}
header.top nav a[aria-current=page]{text-decoration:underline;text-underline-offset:4px;font-weight:600}
header.top .who{margin-left:auto;display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}
header.top .who form{margin:0}
header.top .who button{background:#fff;color:#14213d;border-color:#fff}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
h3{font-size:1.05rem;margin:1rem 0 .4rem}
.card{background:#fff;border:1px solid #d0d5dd;border-radius:6px;padding:1rem;margin:0 0 1rem}
.card>h2:first-child,.card>h3:first-child{margin-top:0}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1rem}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #e0e4ea;vertical-align:top}
th{background:#eef1f5;font-weight:600}
td.num,th.num{text-align:right}
label{display:block;font-weight:600;margin:.6rem 0 .2rem}
label.inline{display:inline-flex;gap:.4rem;align-items:center;font-weight:400;margin:.2rem 1rem .2rem 0}
.hint{color:#4a5260;font-size:.9rem;margin:.1rem 0 .3rem}
input[type=text],input[type=number],input[type=password],input[type=email],input[type=time],input[type=url],input[type=datetime-local],select,textarea{font:inherit;padding:.4rem .5rem;border:1px solid #7a8494;border-radius:4px;width:100%;max-width:32rem;background:#fff;color:#1a1a1a}
textarea{max-width:100%;min-height:6rem;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9rem}
textarea.code{min-height:18rem}
input[aria-invalid=true],select[aria-invalid=true],textarea[aria-invalid=true]{border:2px solid #b3261e}
.field-error{color:#b3261e;font-weight:600;margin:.2rem 0}
button,.button{font:inherit;display:inline-block;padding:.4rem .9rem;border-radius:4px;border:1px solid #0b4fa8;background:#0b4fa8;color:#fff;cursor:pointer;text-decoration:none;margin:.2rem .3rem .2rem 0}
button.secondary,.button.secondary{background:#fff;color:#0b4fa8}
button.danger{background:#a4161a;border-color:#a4161a;color:#fff}
button.small{padding:.15rem .5rem;font-size:.9rem}
form.inline{display:inline}
.actions{display:flex;flex-wrap:wrap;gap:.3rem;align-items:center;margin:.5rem 0}
.badge{display:inline-block;padding:.05rem .45rem;border-radius:3px;font-size:.85rem;font-weight:600;border:1px solid currentColor}
.ok{color:#1d6b2f}.bad{color:#a4161a}.warn{color:#7a4a00}.muted{color:#4a5260}
.flash{padding:.6rem .8rem;border-radius:4px;margin:0 0 1rem;border:1px solid}
.flash.ok{background:#e8f5eb;border-color:#1d6b2f}
.flash.bad{background:#fdecea;border-color:#a4161a}
.flash.warn{background:#fff4e0;border-color:#7a4a00}
.errors-summary{background:#fdecea;border:2px solid #b3261e;border-radius:4px;padding:.6rem .9rem;margin:0 0 1rem}
.errors-summary h2{margin:0 0 .3rem;font-size:1.05rem;color:#8c1d18}
.errors-summary a{color:#8c1d18}
pre{background:#f0f2f5;color:#1a1a1a;padding:.6rem;border-radius:4px;overflow-x:auto;font-size:.85rem;white-space:pre-wrap;word-break:break-word}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.9em;word-break:break-word}
progress{width:100%;max-width:24rem;height:1rem}
fieldset{min-width:0;border:1px solid #d0d5dd;border-radius:4px;margin:.8rem 0;padding:.4rem .8rem .8rem}
legend{font-weight:700;padding:0 .3rem}
ol.reorder{padding-left:1.4rem}
ol.reorder li{margin:.3rem 0}
ol.reorder .pair{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}
ol.reorder select{width:auto}
ol.reorder input[type=number]{width:4.5rem}
.secret{font-family:ui-monospace,monospace;background:#fff4e0;border:1px dashed #7a4a00;padding:.4rem;word-break:break-all}
.two{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:1rem}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem;margin:.3rem 0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0;word-break:break-word}
.two>*,.grid>*{min-width:0}
h1,h2,h3,p,dd,td,li,a,code,summary{overflow-wrap:anywhere}
.skip{position:absolute;left:-999px}
.skip:focus{left:1rem;top:1rem;background:#fff;color:#0b4fa8;padding:.4rem;z-index:10}
@media (max-width:40rem){main{padding:.6rem}th,td{padding:.3rem}dl.facts{grid-template-columns:1fr}}
`;

export const JS = `
(function(){
  "use strict";
  var csrf = (document.querySelector('meta[name=csrf-token]')||{}).content || "";

  // Live regions: re-read this page and swap in the fresh copy of the element while it says it is live.
  function poll(el){
    var every = Number(el.getAttribute("data-refresh")) || 2000;
    setTimeout(function(){
      fetch(location.href, {headers:{"x-console-fragment":"1"}, credentials:"same-origin"}).then(function(r){ return r.text(); }).then(function(html){
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById(el.id);
        if (!fresh) return;
        el.replaceWith(fresh);
        if (fresh.hasAttribute("data-refresh")) poll(fresh);
      }).catch(function(){ poll(el); });
    }, every);
  }
  document.querySelectorAll("[data-refresh][id]").forEach(poll);

  // Confirmation for actions that cannot be undone.
  document.addEventListener("submit", function(e){
    var msg = e.target.getAttribute && e.target.getAttribute("data-confirm");
    if (msg && !confirm(msg)) e.preventDefault();
  }, true);

  // Reorderable lists (linking priority): move buttons renumber the position fields.
  document.querySelectorAll("ol.reorder").forEach(function(list){
    function renumber(){ list.querySelectorAll("li").forEach(function(li, i){ var p = li.querySelector("input.position"); if (p) p.value = String(i + 1); }); }
    list.querySelectorAll("li").forEach(function(li){
      var bar = document.createElement("span");
      [["Move up", -1], ["Move down", 1]].forEach(function(spec){
        var b = document.createElement("button");
        b.type = "button"; b.className = "secondary small"; b.textContent = spec[1] < 0 ? "\\u2191" : "\\u2193";
        var label = li.getAttribute("data-label") || "";
        b.setAttribute("aria-label", spec[0] + (label ? " " + label : ""));
        b.addEventListener("click", function(){
          var other = spec[1] < 0 ? li.previousElementSibling : li.nextElementSibling;
          if (!other) return;
          if (spec[1] < 0) list.insertBefore(li, other); else list.insertBefore(other, li);
          renumber(); b.focus();
        });
        bar.appendChild(b);
      });
      var pair = li.querySelector(".pair"); if (pair) pair.appendChild(bar);
    });
  });

  // Uploads with progress; files over the part size go up in parts (multipart upload).
  document.querySelectorAll("form[data-upload]").forEach(function(form){
    form.addEventListener("submit", function(e){
      var input = form.querySelector("input[type=file]");
      if (!input || !input.files || !input.files[0]) return;
      e.preventDefault();
      var file = input.files[0];
      var bar = form.querySelector("progress"); var out = form.querySelector("[data-upload-status]");
      var folder = form.querySelector("[name=folder]"); var dest = (folder ? folder.value : "") + file.name;
      var base = form.getAttribute("data-upload");
      var partSize = Number(form.getAttribute("data-part-bytes")) || 10485760;
      function say(t){ if (out) out.textContent = t; }
      function send(method, url, body, onProgress){
        return new Promise(function(resolve, reject){
          var x = new XMLHttpRequest(); x.open(method, url); x.setRequestHeader("x-csrf-token", csrf);
          x.upload.onprogress = function(ev){ if (ev.lengthComputable && onProgress) onProgress(ev.loaded); };
          x.onload = function(){ var j = null; try { j = JSON.parse(x.responseText); } catch(_) {} if (x.status >= 200 && x.status < 300 || x.status === 422) resolve(j); else reject(new Error(j && j.error ? j.error.message : "upload failed (" + x.status + ")")); };
          x.onerror = function(){ reject(new Error("the connection broke; try again")); };
          x.send(body);
        });
      }
      function progress(done){ if (bar) { bar.max = file.size || 1; bar.value = done; } say("Uploading " + file.name + ": " + Math.round(100 * done / (file.size || 1)) + "%"); }
      var q = "?path=" + encodeURIComponent(dest);
      var job;
      if (file.size <= partSize) {
        job = send("PUT", base + "/file" + q, file, progress);
      } else {
        job = send("POST", base + "/start" + q, "").then(function(s){
          var parts = []; var n = Math.ceil(file.size / partSize); var i = 0;
          function next(){
            if (i >= n) return send("POST", base + "/complete" + q + "&upload_id=" + encodeURIComponent(s.upload_id), JSON.stringify(parts));
            var start = i * partSize; var chunk = file.slice(start, Math.min(file.size, start + partSize)); var num = i + 1;
            return send("PUT", base + "/part" + q + "&upload_id=" + encodeURIComponent(s.upload_id) + "&part=" + num, chunk, function(l){ progress(start + l); }).then(function(p){ parts.push(p); i++; return next(); });
          }
          return next();
        });
      }
      job.then(function(r){
        progress(file.size);
        if (r && r.status === "rejected") { say("Refused: " + r.reason + " (moved to " + r.moved_to + ")"); return; }
        say("Uploaded " + dest + ".");
        var go = form.getAttribute("data-after"); if (go) location.href = go + (go.indexOf("?") < 0 ? "?" : "&") + "uploaded=" + encodeURIComponent(dest);
      }).catch(function(err){ say("Not uploaded: " + err.message); });
    });
  });

  // Template preview as you type: the server renders the preview with the draft template.
  var tpl = document.querySelector("form[data-preview]");
  if (tpl) {
    var area = tpl.querySelector("textarea"); var timer = null;
    var run = function(){
      var fd = new FormData(tpl); fd.set("_csrf", csrf);
      fetch(tpl.getAttribute("data-preview"), {method:"POST", body:new URLSearchParams(fd), headers:{"x-console-fragment":"1", "x-csrf-token": csrf}, credentials:"same-origin"})
        .then(function(r){ return r.text(); }).then(function(html){
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("preview"); var old = document.getElementById("preview");
          if (fresh && old) old.replaceWith(fresh);
        });
    };
    if (area) area.addEventListener("input", function(){ clearTimeout(timer); timer = setTimeout(run, 600); });
  }
})();
`;
