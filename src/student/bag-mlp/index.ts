export { BAG_MLP_KIND, bagMlpStudentFromFile, createBagMlpStudent } from './bag-mlp-student.js';
