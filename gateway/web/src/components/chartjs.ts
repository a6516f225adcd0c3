// The parts of Chart.js the report charts use, registered once. Loaded on demand (components/chart.tsx):
// only the admins' report page needs it, so it stays out of the bundle every learner downloads.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

export { Chart };
