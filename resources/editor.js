/**
 * SpeechPipelinesEditor: the editor code the dialogs of this package share, written once.
 *
 * Served by Node-RED from the module's resources/ folder and loaded by every node's HTML with
 *     <script src="resources/@speech-pipelines/node-red-speech/editor.js"></script>
 * (jQuery runs such a script synchronously when it inserts the HTML, so it is defined before the
 * node scripts that follow it; loading it again is harmless: the first definition is kept).
 *
 * Every node script of the package is written as
 *     (window.SpeechPipelinesEditorQueue = window.SpeechPipelinesEditorQueue || []).push(['<type>', function(E, t) { … }]);
 * and is called with these helpers (E) and its type's catalogue (t). A queue, because the order
 * is not guaranteed: Node-RED joins a package's node HTML in package.json order when the editor
 * loads, but fetches sets one at a time when they are installed or enabled from the palette
 * manager. Scripts that run before this one wait in the array; after it, push registers at once.
 */
window.SpeechPipelinesEditor =
    window.SpeechPipelinesEditor ||
    (function () {
        var MODULE = "@speech-pipelines/node-red-speech/";
        var COMMON = MODULE + "speech-common";
        var CONTEXT_TYPES = ["msg", "flow", "global", "env"];
        var FORM_CLASS = "speech-pipelines-form";
        var HELP_CLASS = "speech-pipelines-help";

        // The one stylesheet of the package's dialogs and help, loaded once.
        if (
            typeof document !== "undefined" &&
            document.getElementById &&
            !document.getElementById("speech-pipelines-editor-css")
        ) {
            $("<link>", {
                id: "speech-pipelines-editor-css",
                rel: "stylesheet",
                type: "text/css",
                href: "resources/" + MODULE + "editor.css",
            }).appendTo("head");
        }

        var E = {
            /**
             * Wires a "Test" button (and the result span with the same id plus "-result") to an
             * admin route that answers {ok, message} or {ok: false, code, message}. The advice
             * for a code is taken from the editor's own catalogue (errors.<code>) when it has one.
             */
            testButton: function (t, buttonId, url, body) {
                var button = $(buttonId);
                var result = $(buttonId + "-result").addClass("speech-pipelines-test-result");
                function show(ok, text) {
                    result
                        .empty()
                        .css("color", ok ? "#3a873a" : "#c0392b")
                        .append($("<i>", { class: "fa " + (ok ? "fa-check" : "fa-exclamation-triangle") }))
                        .append(document.createTextNode(" " + text));
                }
                /** The server's message usually starts with the code already ("SignatureDoesNotMatch: …"). */
                function failure(res) {
                    var code = String((res && res.code) || "error");
                    var message = String((res && res.message) || "");
                    var key = "errors." + code.replace(/\./g, "_");
                    var advice = t(key);
                    if (advice && advice.slice(-key.length) !== key) {
                        return t("result.failed", { code: code, message: advice });
                    }
                    return message.indexOf(code) === 0 ? message : t("result.failed", { code: code, message: message });
                }
                button.on("click", function (event) {
                    event.preventDefault();
                    button.prop("disabled", true);
                    result
                        .empty()
                        .css("color", "")
                        .append($("<i>", { class: "fa fa-spinner fa-spin" }))
                        .append(document.createTextNode(" " + t("button.testing")));
                    $.ajax({
                        url: url,
                        type: "POST",
                        contentType: "application/json; charset=utf-8",
                        dataType: "json",
                        // The answer comes in the editor's language, which may not be the runtime's.
                        headers: { "Accept-Language": E.lang() },
                        data: JSON.stringify(body()),
                        timeout: 130000,
                    })
                        .done(function (res) {
                            if (res && res.ok) {
                                show(true, res.message || t("result.ok"));
                            } else {
                                show(false, failure(res));
                            }
                        })
                        .fail(function (xhr, textStatus) {
                            var res = xhr && xhr.responseJSON;
                            if (res && res.message) {
                                show(false, failure(res));
                            } else if (xhr && (xhr.status === 401 || xhr.status === 403)) {
                                show(false, t("result.forbidden"));
                            } else if (xhr && xhr.status) {
                                show(false, t("result.http", { status: xhr.status }));
                            } else {
                                show(false, t("result.noAnswer", { reason: textStatus || "error" }));
                            }
                        })
                        .always(function () {
                            button.prop("disabled", false);
                        });
                });
            },

            /** The editor's language (its own setting, else the browser's). */
            lang: function () {
                return (RED.i18n && RED.i18n.lang && RED.i18n.lang()) || "en-US";
            },

            /**
             * Calls register(E, t) with t for the catalogue of `type`, then marks the type's edit
             * form and help with this package's classes (editor.css styles nothing else).
             */
            load: function (type, register) {
                register(E, E.translator(E.ns(type)));
                E.adopt(type);
            },

            /**
             * Every dialog and help page of the package gets one layout (resources/editor.css),
             * whichever vendor's node it is: the form is tagged when it opens, the help text is
             * wrapped once, and the palette category is named in the editor's language.
             */
            adopt: function (type) {
                if (!RED.nodes.getType || typeof document === "undefined") {
                    return; // not in a browser editor (the definitions are read by tests)
                }
                var def = RED.nodes.getType(type);
                if (def && !def._speechPipelines) {
                    def._speechPipelines = true;
                    E.absentMeansDefault(def);
                    var prepare = def.oneditprepare;
                    def.oneditprepare = function () {
                        var config = def.category === "config";
                        var form = config ? $("form#node-config-dialog-edit-form") : $("form#dialog-form").last();
                        form.addClass(FORM_CLASS);
                        E.fillAbsent(this, def, config ? "node-config-input" : "node-input");
                        return prepare ? prepare.apply(this, arguments) : undefined;
                    };
                }
                var help = $("script[data-help-name='" + type + "']");
                if (help.length && help.attr("type") !== "text/markdown" && help.html().indexOf(HELP_CLASS) === -1) {
                    help.html('<div class="' + HELP_CLASS + '">' + help.html() + "</div>");
                } else if (!help.length) {
                    // The help script follows the node script in the same file: wrap it once it is there.
                    setTimeout(function () {
                        var later = $("script[data-help-name='" + type + "']");
                        if (
                            later.length &&
                            later.attr("type") !== "text/markdown" &&
                            later.html().indexOf(HELP_CLASS) === -1
                        ) {
                            later.html('<div class="' + HELP_CLASS + '">' + later.html() + "</div>");
                        }
                    }, 0);
                }
                setTimeout(function () {
                    var category = RED._(COMMON + ":palette.label.speech", { defaultValue: "" });
                    if (category && category !== "palette.label.speech") {
                        $("#red-ui-palette-header-speech > span").text(category);
                    }
                }, 0);
            },

            /**
             * A property a node does not have (a flow written by hand or through the Admin API with
             * only a type, wires and config reference) runs with the dialog's default, as every
             * node module's DEFAULTS say: so it is validated as that default, not as "undefined".
             * Validators that read sibling properties (a TypedInput's type) see the defaults too.
             */
            absentMeansDefault: function (def) {
                var defaults = def.defaults || {};
                function withDefaults(node) {
                    var view = Object.create(node);
                    Object.keys(defaults).forEach(function (k) {
                        if (node[k] === undefined) {
                            view[k] = defaults[k].value;
                        }
                    });
                    return view;
                }
                Object.keys(defaults).forEach(function (k) {
                    var validate = defaults[k].validate;
                    if (typeof validate !== "function" || validate._speechPipelines) {
                        return;
                    }
                    var wrapped = function (v, opt) {
                        if (v === undefined && this && this[k] === undefined) {
                            return validate.call(withDefaults(this), defaults[k].value, opt);
                        }
                        return validate.call(this && this.type ? withDefaults(this) : this, v, opt);
                    };
                    wrapped._speechPipelines = true;
                    defaults[k].validate = wrapped;
                });
            },

            /** The dialog of such a node opens with the defaults in the fields the node lacks. */
            fillAbsent: function (node, def, prefix) {
                var defaults = def.defaults || {};
                Object.keys(defaults).forEach(function (k) {
                    if (node[k] !== undefined || defaults[k].type) {
                        return; // config node references stay as Node-RED set them
                    }
                    var input = $("#" + prefix + "-" + k);
                    if (!input.length) {
                        return;
                    }
                    if (input.attr("type") === "checkbox") {
                        input.prop("checked", !!defaults[k].value);
                    } else {
                        input.val(defaults[k].value);
                    }
                });
            },

            /** The catalogue namespace of one of this package's node types. */
            ns: function (type) {
                return MODULE + type;
            },

            /**
             * t(key, params): a message from the catalogue `ns`, else from the package's neutral
             * catalogue (speech-common), which holds what every vendor's dialogs say alike.
             */
            translator: function (ns) {
                function missing(text, full, key) {
                    return text === undefined || text === full || text === key;
                }
                return function (key, params) {
                    var full = ns + ":" + key;
                    var text = RED._(full, params);
                    if (!missing(text, full, key)) {
                        return text;
                    }
                    var common = COMMON + ":" + key;
                    var shared = RED._(common, params);
                    return missing(shared, common, key) ? text : shared;
                };
            },

            /** A definition function (paletteLabel, inputLabels, …) that returns t(key). */
            text: function (t, key) {
                return function () {
                    return t(key);
                };
            },

            /** A node with a name shows it in italics. */
            labelStyle: function () {
                return this.name ? "node_label_italic" : "";
            },

            /** Whether a TypedInput type reads msg/flow/global/env at run time (only its syntax can be checked). */
            isContextType: function (type) {
                return CONTEXT_TYPES.indexOf(type) !== -1;
            },

            /** Long values are cut so a label stays readable on the canvas. */
            shorten: function (s, max) {
                s = String(s);
                return s.length > max ? s.slice(0, max - 1) + "…" : s;
            },

            /** Validation messages are shown as HTML: never put typed text in them unescaped. */
            esc: function (s, max) {
                return String(s).slice(0, max).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
            },

            isHttpUrl: function (s) {
                if (!/^https?:\/\/[^\s/?#]+/i.test(s)) {
                    return false;
                }
                try {
                    var u = new URL(s);
                    return u.protocol === "http:" || u.protocol === "https:";
                } catch (err) {
                    return false;
                }
            },

            /** A 3.1+ validator: true, or (when the editor asks for a reason) the message t(messageKey, params). */
            rule: function (t, check, messageKey, params) {
                return function (v, opt) {
                    if (check(String(v === undefined || v === null ? "" : v).trim())) {
                        return true;
                    }
                    return opt ? t(messageKey, params) : false;
                };
            },

            /**
             * The syntax check of a msg/flow/global/env value of the TypedInput `prop`, against the
             * given type (core's typedInput validator would read the type from the form).
             */
            checkTyped: function (node, prop, v, type, opt) {
                return RED.utils && RED.utils.validateTypedProperty
                    ? RED.utils.validateTypedProperty(v, type, opt)
                    : RED.validators.typedInput(prop + "Type").call(node, v, opt);
            },

            /** Turns #node-input-<prop> into a TypedInput whose type is kept in #node-input-<prop>Type. */
            typedInput: function (prop, defaultType, types) {
                var input = $("#node-input-" + prop);
                // A relative width: the TypedInput copies it, so it follows the dialog when it is
                // widened or the window resized (a width computed now would stay in pixels).
                if (input.length && !input[0].style.width) {
                    input.css("width", "100%");
                }
                input.typedInput({
                    default: defaultType,
                    typeField: "#node-input-" + prop + "Type",
                    types: types,
                });
            },

            /**
             * Tracks whose edit dialog is open, so that only that node's validation reads the form:
             * open(node) in oneditprepare, close as oneditsave/oneditcancel/oneditdelete.
             */
            dialog: function () {
                var editing = null;
                function field(node, name) {
                    return node && node.id === editing ? $("#node-input-" + name) : [];
                }
                return {
                    open: function (node) {
                        editing = node.id;
                    },
                    close: function () {
                        editing = null;
                    },
                    /** The value being edited if this node's dialog is open, else the node's saved value. */
                    value: function (node, prop) {
                        var el = field(node, prop);
                        var v = el.length ? el.val() : node[prop];
                        return v === undefined || v === null ? "" : String(v);
                    },
                    /** The same for the type of the TypedInput `prop`, `fallback` when there is none. */
                    type: function (node, prop, fallback) {
                        var el = field(node, prop + "Type");
                        return (el.length && el.val()) || node[prop + "Type"] || fallback;
                    },
                };
            },

            /**
             * The Task ID TypedInput of the query and stop nodes: its validator, oneditprepare and
             * close (for oneditsave/oneditcancel/oneditdelete). An empty fixed ID is invalid when
             * `required`; the query node takes it to mean every running task.
             */
            taskIdField: function (t, required) {
                var dialog = E.dialog();
                return {
                    validate: function (v, opt) {
                        var type = dialog.type(this, "taskId", "msg");
                        if (E.isContextType(type)) {
                            var result = E.checkTyped(this, "taskId", v, type, opt);
                            return result === true ? true : opt ? result : false;
                        }
                        var s = String(v || "").trim();
                        if (s === "") {
                            return required ? (opt ? t("invalid.taskIdRequired") : false) : true;
                        }
                        if (/^[A-Za-z0-9_.:-]{1,128}$/.test(s)) {
                            return true;
                        }
                        return opt ? t("invalid.taskId") : false;
                    },
                    prepare: function () {
                        dialog.open(this);
                        E.typedInput("taskId", "msg", ["msg", "flow", "global", "env", "str"]);
                    },
                    close: dialog.close,
                };
            },

            /**
             * Where the task ID comes from, for the label: "msg.taskId", "flow.aliyunTaskId", a fixed
             * ID cut to 12 characters, "" for an empty fixed value, null for an empty msg/flow/… path.
             */
            taskSource: function (node) {
                var type = node.taskIdType || "msg";
                var value = String(node.taskId === undefined || node.taskId === null ? "" : node.taskId).trim();
                if (E.isContextType(type)) {
                    return value ? E.shorten(type + "." + value, 28) : null;
                }
                return E.shorten(value, 12);
            },
        };

        // Statuses with parameters come as "<module>/<set>:status.key?name=value" (src/lib/i18n.ts):
        // core's handler (subscribed first) translates only bare keys, so this one fills them in.
        var STATUS_KEY = /^(@speech-pipelines\/node-red-speech\/[\w-]+:[\w.]+)(?:\?(.*))?$/;
        /** A status key (with parameters, which may be keys themselves) in the editor's language. */
        function statusText(s) {
            var m = STATUS_KEY.exec(s);
            if (!m) {
                return s;
            }
            var params = {};
            new URLSearchParams(m[2] || "").forEach(function (v, k) {
                params[k] = /^-?\d+$/.test(v) ? Number(v) : statusText(v);
            });
            return RED._(m[1], params);
        }
        if (RED.comms && RED.comms.subscribe && typeof URLSearchParams !== "undefined") {
            // Usually subscribed before core's handler (node scripts load before the flows), so the
            // message is translated in place before core stores it; when loaded later (installed
            // from the palette), core has already stored this very object: redraw it.
            RED.comms.subscribe("status/#", function (topic, msg) {
                var text = msg && msg.text;
                if (typeof text !== "string" || text.indexOf("?") === -1 || !STATUS_KEY.test(text)) {
                    return;
                }
                msg.text = statusText(text);
                var node = RED.nodes.node(topic.split("/")[1]);
                if (node && node.status === msg) {
                    node.dirtyStatus = true;
                    node.dirty = true;
                    RED.view.redrawStatus(node);
                }
            });
        }

        // Node scripts queue [type, register] pairs; those that ran before this one are registered
        // now, and the queue's push registers every later one at once.
        var queued = window.SpeechPipelinesEditorQueue || [];
        window.SpeechPipelinesEditorQueue = {
            push: function (node) {
                try {
                    E.load(node[0], node[1]);
                } catch (err) {
                    console.error(node[0] + ": " + err);
                }
            },
        };
        queued.forEach(window.SpeechPipelinesEditorQueue.push);
        return E;
    })();
