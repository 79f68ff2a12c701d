// The explorers' chart in JupyterLab: altair's JupyterChart front end (altair 6.3,
// altair/jupyter/js/index.js), changed so that a redraw an adviser has seen before is shown
// at once, and a new one is drawn off the page and swapped in whole.
//
// altair's module embeds every new spec into the output element again (Vega-Lite compiled,
// the Vega dataflow built and run, the SVG drawn) even when the adviser goes back to a chart
// drawn a moment ago, and it empties the element first, so JupyterLab lays the notebook out
// twice. Here each spec's drawn view is kept (up to VIEWS_KEPT, the least recently shown
// dropped and finalized), keyed by the spec's JSON text and the embed options, and shown
// again by putting its element back; a new spec is embedded into a fresh element that
// replaces the shown one only once it is drawn. A spec that arrives while another is being
// drawn wins: the older one is kept for later but not shown.
//
// The model is altair's JupyterChart (the same traits); the parts of it the explorers use are
// kept: spec, embed_options, the selections (_vl_selections: each view reports its own when
// shown) and params (_params). VegaFusion's watch plan (_js_watch_plan, _py_to_js_updates)
// is not supported: the explorers never use it. The bundling (vl-convert's javascript_bundle)
// provides vegaEmbed and lodashDebounce, as for altair's module.

const VIEWS_KEPT = 32;

async function render({ model, el }) {
    const kept = new Map(); // key -> {element, api, listening}
    let shown = null; // the entry in el
    let wanted = 0; // the latest spec asked for (a counter)

    model.set("local_tz", Intl.DateTimeFormat().resolvedOptions().timeZone);

    function showError(error) {
        const box = document.createElement("div");
        box.style.color = "red";
        const p1 = document.createElement("p");
        p1.textContent = "JavaScript Error: " + error.message;
        const p2 = document.createElement("p");
        p2.textContent = "This usually means there's a typo in your chart specification. "
            + "See the javascript console for the full traceback.";
        box.append(p1, p2);
        el.replaceChildren(box);
        shown = null;
    }

    function keep(key, entry) {
        kept.delete(key);
        kept.set(key, entry); // the most recently shown last
        for (const [oldKey, oldEntry] of kept) {
            if (kept.size <= VIEWS_KEPT) break;
            if (oldEntry === shown || oldEntry === entry) continue;
            kept.delete(oldKey);
            oldEntry.api.finalize();
        }
    }

    // Listeners that tell the kernel about a view's selections and params, only while it is shown
    function listen(entry) {
        if (entry.listening) return;
        entry.listening = true;
        const view = entry.api.view;
        const wait = model.get("debounce_wait") ?? 10;
        const debounceOpts = {leading: false, trailing: true};
        if (model.get("max_wait") ?? true) {
            debounceOpts["maxWait"] = wait;
        }
        for (const selectionName of Object.keys(entry.selections)) {
            const storeName = `${selectionName}_store`;
            const handler = (_, value) => {
                if (shown !== entry) return;
                const newSelections = cleanJson(model.get("_vl_selections") ?? {});
                newSelections[selectionName] = {value, store: cleanJson(view.data(storeName) ?? [])};
                model.set("_vl_selections", newSelections);
                model.save_changes();
            };
            view.addSignalListener(selectionName, lodashDebounce(handler, wait, debounceOpts));
        }
        for (const paramName of entry.params) {
            const handler = (_, value) => {
                if (shown !== entry) return;
                const newParams = cleanJson(model.get("_params") ?? {});
                newParams[paramName] = value;
                model.set("_params", newParams);
                model.save_changes();
            };
            view.addSignalListener(paramName, lodashDebounce(handler, wait, debounceOpts));
        }
    }

    // What the kernel is told when a view is shown (as altair's module does after an embed)
    function report(entry) {
        const view = entry.api.view;
        const selections = {};
        for (const name of Object.keys(entry.selections)) {
            selections[name] = {
                value: cleanJson(view.signal(name) ?? {}),
                store: cleanJson(view.data(`${name}_store`) ?? []),
            };
        }
        const params = {};
        for (const name of entry.params) {
            params[name] = view.signal(name) ?? null;
        }
        model.set("_vl_selections", selections);
        model.set("_params", params);
        model.save_changes();
    }

    function show(entry) {
        if (el.firstChild !== entry.element || el.childNodes.length !== 1) {
            el.replaceChildren(entry.element);
        }
        shown = entry;
        listen(entry);
        report(entry);
    }

    const redraw = async () => {
        const ask = ++wanted;
        const spec = model.get("spec");
        if (spec == null) {
            el.replaceChildren();
            shown = null;
            model.save_changes();
            return;
        }
        const options = model.get("embed_options") ?? undefined;
        const key = JSON.stringify([spec, options ?? null]);
        let entry = kept.get(key);
        if (entry == null) {
            const element = document.createElement("div");
            let api;
            try {
                api = await vegaEmbed(element, structuredClone(spec), structuredClone(options));
            } catch (error) {
                if (ask === wanted) showError(error);
                return;
            }
            entry = {
                element,
                api,
                listening: false,
                selections: cleanJson(model.get("_vl_selections") ?? {}),
                params: Object.keys(model.get("_params") ?? {}),
            };
        }
        keep(key, entry);
        if (ask !== wanted) return; // a later spec was asked for while this one was drawn
        show(entry);
    };

    // the kernel sets a param: the shown view follows
    const follow = async () => {
        if (shown == null) return;
        const params = model.get("_params") ?? {};
        const view = shown.api.view;
        let changed = false;
        for (const [name, value] of Object.entries(params)) {
            if (shown.params.includes(name) && view.signal(name) !== value) {
                view.signal(name, value);
                changed = true;
            }
        }
        if (changed) await view.runAsync();
    };

    const forget = () => {
        for (const entry of kept.values()) {
            entry.api.finalize();
        }
        kept.clear();
        shown = null;
    };
    const again = () => {
        forget();
        redraw();
    };
    model.on("change:spec", redraw);
    model.on("change:_params", follow);
    for (const name of ["embed_options", "debounce_wait", "max_wait"]) {
        model.on(`change:${name}`, again);
    }
    await redraw();
    return () => {
        model.off("change:spec", redraw);
        model.off("change:_params", follow);
        for (const name of ["embed_options", "debounce_wait", "max_wait"]) {
            model.off(`change:${name}`, again);
        }
        forget();
    };
}

function cleanJson(data) {
    return JSON.parse(JSON.stringify(data));
}

export default { render };
