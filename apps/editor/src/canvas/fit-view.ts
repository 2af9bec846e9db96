// How the canvas frames a flow: a little margin, and never zoomed in past 110 %.
export const FIT_VIEW = { padding: 0.12, maxZoom: 1.1 } as const;
