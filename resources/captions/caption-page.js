/*
 * The caption page (transcript-captions). No external assets; caption text only ever
 * reaches the DOM through textContent. Style per viewer through URL parameters.
 */
(function () {
    "use strict";
    var cfg = JSON.parse(document.getElementById("caption-config").textContent);
    var q = new URLSearchParams(location.search);
    var root = document.documentElement;
    var body = document.body;

    function num(name, def, min, max) {
        var v = q.get(name);
        if (v === null || !/^\d{1,5}(\.\d{1,3})?$/.test(v)) return def;
        var n = Number(v);
        return n < min ? min : n > max ? max : n;
    }
    function choice(name, values, def) {
        var v = q.get(name);
        return values.indexOf(v) >= 0 ? v : def;
    }
    function flag(name, def) {
        var v = q.get(name);
        return v === null ? def : !(v === "0" || v === "false" || v === "no");
    }
    /** #rgb, #rrggbb, #rrggbbaa (with or without #) or a CSS colour name; anything else keeps the default. */
    function colour(name, def) {
        var v = q.get(name);
        if (v === null || v === "") return def;
        if (/^[0-9a-fA-F]{3,8}$/.test(v) && v.length !== 5 && v.length !== 7) v = "#" + v;
        return /^(#[0-9a-fA-F]{3,8}|[a-zA-Z]{3,24})$/.test(v) ? v : def;
    }
    function text(name, pattern, def) {
        var v = q.get(name);
        return v !== null && v.length <= 80 && pattern.test(v) ? v : def;
    }

    var opt = {
        lines: num("lines", cfg.lines, 1, 10),
        trLines: num("trlines", 2, 1, 10),
        chars: num("chars", cfg.maxLineLength, 10, 200),
        charsCjk: num("charscjk", cfg.maxLineLengthCjk, 4, 100),
        clear: num("clear", cfg.clearAfter, 0, 3600),
        lang: text("lang", /^[A-Za-z0-9_-]{0,20}$/, cfg.translation),
        speakers: flag("speakers", cfg.speakerLabels),
        room: q.get("room"),
        token: q.get("token"),
        demo: flag("demo", false),
    };

    // Style: CSS variables set through the CSSOM, which the page's Content-Security-Policy allows.
    var font = text("font", /^[A-Za-z0-9 ,'"_-]+$/, "");
    if (font) root.style.setProperty("--cap-font", font + ", system-ui, sans-serif");
    root.style.setProperty("--cap-size", num("size", 40, 8, 300) + "px");
    root.style.setProperty("--cap-color", colour("color", "#ffffff"));
    root.style.setProperty("--cap-interim", colour("interim", "#e6e6e6"));
    root.style.setProperty("--cap-translation", colour("trcolor", "#ffe680"));
    root.style.setProperty("--cap-box", colour("box", "transparent"));
    root.style.setProperty("--cap-page", colour("bg", "transparent"));
    root.style.setProperty("--cap-align", choice("align", ["left", "center", "right"], "center"));
    var outline = num("outline", 2, 0, 12);
    var outlineColour = colour("outlinecolor", "#000000");
    var shadows = [];
    if (outline > 0) {
        for (var a = 0; a < 8; a++) {
            var dx = Math.round(Math.cos((a * Math.PI) / 4) * outline * 100) / 100;
            var dy = Math.round(Math.sin((a * Math.PI) / 4) * outline * 100) / 100;
            shadows.push(dx + "px " + dy + "px 0 " + outlineColour);
        }
    }
    if (flag("shadow", true)) shadows.push("0px 2px " + (outline * 2 + 4) + "px " + colour("shadowcolor", "#000000"));
    root.style.setProperty("--cap-shadow", shadows.length ? shadows.join(", ") : "none");
    var stage = document.getElementById("stage");
    stage.className = "pos-" + choice("pos", ["top", "middle", "bottom"], "bottom");
    var original = document.getElementById("original");
    var translation = document.getElementById("translation");

    // Sentences by number, in order; a sentence's interim text is replaced in place by its final text.
    var MAX_KEPT = 50;
    var order = [];
    var byNumber = Object.create(null);
    var clearTimer = null;

    var CJK = /[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]/;
    var TOKEN =
        /[\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]|[^\s\u1100-\u11ff\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]+/g;

    var CLOSING = /^[\u3001\u3002\uff0c\uff0e\uff01\uff1f\uff1a\uff1b\uff09\u300d\u300f\u3011\u300b\u3009]$/;

    /** Breaks text into rows of at most `max` characters: between words, or between CJK characters. */
    function wrap(s, max, firstUsed) {
        var rows = [];
        var row = "";
        var used = firstUsed;
        var prevCjk = true;
        var tokens = String(s).match(TOKEN) || [];
        for (var i = 0; i < tokens.length; i++) {
            var tok = tokens[i];
            var cjk = CJK.test(tok) && tok.length === 1;
            while (tok.length > max) {
                if (row) {
                    rows.push(row);
                    row = "";
                    used = 0;
                }
                rows.push(tok.slice(0, max));
                tok = tok.slice(max);
            }
            var sep = row && !cjk && !prevCjk ? " " : "";
            // Closing punctuation never starts a row (kinsoku): it stays with the character before it.
            var closing = cjk && CLOSING.test(tok);
            if (!closing && used + sep.length + tok.length > max && (row || used)) {
                rows.push(row);
                row = tok;
                used = tok.length;
            } else {
                row += sep + tok;
                used += sep.length + tok.length;
            }
            prevCjk = cjk;
        }
        if (row || !rows.length) rows.push(row);
        return rows;
    }

    function rowsOf(getText, withSpeakers) {
        var rows = [];
        var lastSpeaker = null;
        for (var i = 0; i < order.length; i++) {
            var line = byNumber[order[i]];
            var s = getText(line);
            if (!s || !s.trim()) continue;
            var label = withSpeakers && line.speaker && line.speaker !== lastSpeaker ? line.speaker + ": " : "";
            if (line.speaker) lastSpeaker = line.speaker;
            var max = CJK.test(s) ? opt.charsCjk : opt.chars;
            var parts = wrap(s, max, label.length);
            for (var j = 0; j < parts.length; j++) {
                rows.push({ label: j === 0 ? label : "", text: parts[j], interim: !line.final, n: line.n });
            }
        }
        return rows;
    }

    function paint(el, rows, keep) {
        var shown = rows.slice(Math.max(0, rows.length - keep));
        var frag = document.createDocumentFragment();
        for (var i = 0; i < shown.length; i++) {
            var div = document.createElement("div");
            div.className = "row";
            var cap = document.createElement("span");
            cap.className = "cap" + (shown[i].interim ? " interim" : " final");
            cap.setAttribute("data-n", String(shown[i].n));
            if (shown[i].label) {
                var spk = document.createElement("span");
                spk.className = "spk";
                spk.textContent = shown[i].label;
                cap.appendChild(spk);
            }
            var t = document.createElement("span");
            t.className = "txt";
            t.textContent = shown[i].text;
            cap.appendChild(t);
            div.appendChild(cap);
            frag.appendChild(div);
        }
        el.textContent = "";
        el.appendChild(frag);
    }

    function render() {
        paint(
            original,
            rowsOf(function (l) {
                return l.text;
            }, opt.speakers),
            opt.lines
        );
        if (opt.lang)
            paint(
                translation,
                rowsOf(function (l) {
                    return l.tr && l.tr[opt.lang];
                }, false),
                opt.trLines
            );
    }

    function armClear() {
        if (clearTimer) clearTimeout(clearTimer);
        clearTimer = null;
        if (opt.clear > 0)
            clearTimer = setTimeout(function () {
                order = [];
                byNumber = Object.create(null);
                render();
                body.setAttribute("data-cleared", String(Date.now()));
            }, opt.clear * 1000);
    }

    function put(line) {
        if (!line || typeof line.n !== "number") return;
        if (!byNumber[line.n]) {
            order.push(line.n);
            if (order.length > MAX_KEPT) delete byNumber[order.shift()];
        }
        byNumber[line.n] = line;
    }

    function onFrame(data) {
        var m;
        try {
            m = JSON.parse(data);
        } catch (e) {
            return;
        }
        if (m.k === "snap") {
            order = [];
            byNumber = Object.create(null);
            (m.lines || []).forEach(put);
        } else if (m.k === "line") {
            put(m.line);
        } else {
            return;
        }
        body.setAttribute("data-room", String(m.room));
        render();
        armClear();
    }

    if (opt.demo) {
        // The editor's preview passes its sample sentences in the editor's language.
        var first = q.get("sample");
        var interim = q.get("sampleinterim");
        var sample = [
            {
                n: 1,
                final: true,
                speaker: "Ann",
                text: first && first.length <= 200 ? first : "Welcome everyone, and thank you for joining us today.",
                tr: { zh: "欢迎大家，感谢今天的参与。", en: "Welcome everyone, and thank you for joining us today." },
            },
            {
                n: 2,
                final: false,
                text: interim && interim.length <= 200 ? interim : "This is how interim text looks",
                tr: { zh: "这是临时文本的样子", en: "This is how interim text looks" },
            },
        ];
        sample.forEach(put);
        render();
        body.setAttribute("data-state", "demo");
        return;
    }

    var base = location.pathname.replace(/\/+$/, "");
    var lastId = "";
    var source = null;
    var retryTimer = null;

    function connect() {
        var p = new URLSearchParams();
        if (opt.room !== null) p.set("room", opt.room);
        if (opt.token !== null) p.set("token", opt.token);
        if (lastId) p.set("last", lastId);
        body.setAttribute("data-state", "connecting");
        source = new EventSource(base + "/events" + (p.toString() ? "?" + p.toString() : ""));
        source.onopen = function () {
            body.setAttribute("data-state", "open");
        };
        source.onmessage = function (e) {
            if (e.lastEventId) lastId = e.lastEventId;
            onFrame(e.data);
            body.setAttribute("data-last-id", lastId);
        };
        source.onerror = function () {
            body.setAttribute("data-state", "connecting");
            // EventSource retries a dropped stream by itself, but gives up on an error status (a
            // redeploy in progress, a proxy's 502): then start over, with where we were in the URL.
            if (source.readyState === 2 && !retryTimer) {
                retryTimer = setTimeout(function () {
                    retryTimer = null;
                    connect();
                }, 1500);
            }
        };
    }
    connect();
})();
