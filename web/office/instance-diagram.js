// Renders BPMN XML with the vendored bpmn-js viewer (window.BpmnJS, loaded by a classic script
// tag before the modules run) and marks active and completed elements with CSS classes.
export async function renderDiagram(el, xml, active = [], done = []) {
    if (!globalThis.BpmnJS) {
        el.textContent = 'Chưa có thư viện bpmn-js (chạy scripts/vendor.sh).';
        return null;
    }
    const viewer = new globalThis.BpmnJS({ container: el });
    await viewer.importXML(xml);
    const canvas = viewer.get('canvas');
    const registry = viewer.get('elementRegistry');
    for (const id of done) if (registry.get(id)) canvas.addMarker(id, 'wf-done');
    for (const id of active) if (registry.get(id)) canvas.addMarker(id, 'wf-active');
    canvas.zoom('fit-viewport');
    return viewer;
}
