import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './app.css';
import { App } from './App.js';

const root = document.getElementById('app');
if (root !== null) render(<App />, root);
