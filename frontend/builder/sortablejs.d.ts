// The part of SortableJS's API the builder uses (the package ships no type declarations).
declare module "sortablejs" {
  interface SortableEvent {
    item: HTMLElement;
    oldIndex?: number;
    newIndex?: number;
  }
  interface SortableOptions {
    handle?: string;
    draggable?: string;
    animation?: number;
    forceFallback?: boolean;
    fallbackOnBody?: boolean;
    ghostClass?: string;
    chosenClass?: string;
    dragClass?: string;
    onStart?: (event: SortableEvent) => void;
    onEnd?: (event: SortableEvent) => void;
  }
  export default class Sortable {
    constructor(element: HTMLElement, options?: SortableOptions);
    static create(element: HTMLElement, options?: SortableOptions): Sortable;
    destroy(): void;
  }
}
