export { createMlpStudent, mlpStudentFromFile, MLP_KIND, type MlpStudent } from './mlp-student.js';
export { parseFeatureVector } from './features.js';
